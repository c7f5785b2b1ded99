// Formatting of times, days and addresses.
//
// The formatters are made once. `Date.prototype.toLocale*String` with options builds a new ICU
// formatter on every call, whose native memory WebKit does not count towards garbage collection:
// 20,000 calls grew the web process by 1 GB (BENCHMARKS.md). A test keeps those calls out of `src`.
import { strings } from "./strings";

const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const fullDay = new Intl.DateTimeFormat(undefined, { weekday: "short", year: "numeric", month: "short", day: "numeric" });
const shortDay = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: "long" });
const fullTime = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });

/** The time of day, hours and minutes, in the user's locale. */
export function clockTime(d: Date): string {
  return clock.format(d);
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
  return fullTime.format(d);
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
  if (n > 1 && n <= 6) return weekday.format(d);
  return fullDay.format(d);
}

/** A time for a list row: the hour today, else the date. */
export function listTime(d: Date, now: Date = new Date()): string {
  return dayKey(d) === dayKey(now) ? clock.format(d) : shortDay.format(d);
}

/** Whether the input looks like an Ethereum address (the checksum is checked by Rust). */
export function looksLikeAddress(s: string): boolean {
  return /^0x[0-9a-fA-F]{40}$/.test(s.trim());
}
