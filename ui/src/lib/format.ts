// Formatting of times, days and addresses.
//
// The formatters are made once. `Date.prototype.toLocale*String` with options builds a new ICU
// formatter on every call, whose native memory WebKit does not count towards garbage collection:
// 20,000 calls grew the web process by 1 GB (BENCHMARKS.md). A test keeps those calls out of `src`.
// They are made once per locale: the active language's (i18n.ts), so a change of language in
// Settings changes dates and numbers too.
import { locale } from "./i18n";
import { strings } from "./strings";

type Formatters = { clock: Intl.DateTimeFormat; fullDay: Intl.DateTimeFormat; shortDay: Intl.DateTimeFormat; stamp: Intl.DateTimeFormat; weekday: Intl.DateTimeFormat; fullTime: Intl.DateTimeFormat; number: Intl.NumberFormat };
const byLocale = new Map<string, Formatters>();

function formatters(): Formatters {
  const tag = locale();
  let f = byLocale.get(tag);
  if (!f) {
    f = {
      clock: new Intl.DateTimeFormat(tag, { hour: "2-digit", minute: "2-digit" }),
      fullDay: new Intl.DateTimeFormat(tag, { weekday: "short", year: "numeric", month: "short", day: "numeric" }),
      shortDay: new Intl.DateTimeFormat(tag, { month: "short", day: "numeric" }),
      stamp: new Intl.DateTimeFormat(tag, { dateStyle: "medium", timeStyle: "short" }),
      weekday: new Intl.DateTimeFormat(tag, { weekday: "long" }),
      fullTime: new Intl.DateTimeFormat(tag, { dateStyle: "full", timeStyle: "short" }),
      number: new Intl.NumberFormat(tag),
    };
    byLocale.set(tag, f);
  }
  return f;
}

/** The time of day, hours and minutes, in the user's locale. */
export function clockTime(d: Date): string {
  return formatters().clock.format(d);
}

/** The date and time, for a message's spoken label. */
export function dateTime(d: Date): string {
  return formatters().stamp.format(d);
}

/** A count in the active locale (1,234 or 1.234). */
export function count(n: number): string {
  return formatters().number.format(n);
}

/** A ns timestamp (decimal string) as a Date. */
export function nsToDate(ns: string): Date {
  // Dropping the last six digits keeps ms precision without leaving the safe integer range.
  const ms = ns.length > 6 ? Number(ns.slice(0, -6)) : 0;
  return new Date(ms);
}

/** `0x1234…abcd`. */
export function shortAddress(a: string): string {
  return a.length > 12 ? `${a.slice(0, 6)}…${a.slice(-4)}` : a;
}

/** The calendar day of a date in local time, as a sortable key. */
export function dayKey(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** A date and time in full (a tooltip, a screen reader's label). */
export function fullDateTime(d: Date): string {
  return formatters().fullTime.format(d);
}

/** Whole calendar days from `d` to `now`, in local time (0 today, 1 yesterday, negative ahead). */
export function daysAgo(d: Date, now: Date = new Date()): number {
  const a = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  const b = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  // Round: a day across a daylight-saving change is 23 or 25 hours long.
  return Math.round((b.getTime() - a.getTime()) / 86_400_000);
}

/** A day separator's label: "Today", "Yesterday", the weekday within six days, else the date. */
export function dayLabel(d: Date, now: Date = new Date()): string {
  const n = daysAgo(d, now);
  if (n === 0) return strings.day.today;
  if (n === 1) return strings.day.yesterday;
  if (n > 1 && n <= 6) return formatters().weekday.format(d);
  return formatters().fullDay.format(d);
}

/** A time for a list row: the hour today, else the date. */
export function listTime(d: Date, now: Date = new Date()): string {
  const f = formatters();
  return dayKey(d) === dayKey(now) ? f.clock.format(d) : f.shortDay.format(d);
}

/** Whether the input looks like an Ethereum address (the checksum is checked by Rust). */
export function looksLikeAddress(s: string): boolean {
  return /^0x[0-9a-fA-F]{40}$/.test(s.trim());
}
