// A thread as rows: messages grouped into runs, with a day separator before each day's first message.
import type { MessageView } from "./backend";
import { dayKey, dayLabel, nsToDate } from "./format";

/** Messages from one sender this close together (each to the one before) form one run. */
export const RUN_GAP_MS = 5 * 60 * 1000;

export type Row =
  | { kind: "day"; key: string; label: string }
  /** `first`/`last`: the message starts/ends its run (the avatar shows at the start, the time at the end). */
  | { kind: "message"; key: string; message: MessageView; first: boolean; last: boolean };

export function rows(messages: MessageView[], now: Date = new Date()): Row[] {
  const out: Row[] = [];
  let day = "";
  let prev: { sender: string; ms: number; row: Row & { kind: "message" } } | null = null;
  for (const m of messages) {
    const d = nsToDate(m.sent_ns);
    const k = dayKey(d);
    if (k !== day) {
      out.push({ kind: "day", key: `day-${k}`, label: dayLabel(d, now) });
      day = k;
      if (prev) prev.row.last = true;
      prev = null;
    }
    const sender = m.sender.toLowerCase();
    const ms = d.getTime();
    const continues: boolean = prev !== null && prev.sender === sender && ms - prev.ms <= RUN_GAP_MS && ms >= prev.ms;
    if (prev && !continues) prev.row.last = true;
    const row: Row & { kind: "message" } = { kind: "message", key: m.id, message: m, first: !continues, last: true };
    if (prev && continues) prev.row.last = false;
    out.push(row);
    prev = { sender, ms, row };
  }
  return out;
}

/** Merges a page into a sorted list by time, replacing messages with the same id. */
export function merge(list: MessageView[], page: MessageView[]): MessageView[] {
  const byId = new Map(list.map((m) => [m.id, m]));
  for (const m of page) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) =>
    a.sent_ns.length !== b.sent_ns.length ? a.sent_ns.length - b.sent_ns.length : a.sent_ns < b.sent_ns ? -1 : a.sent_ns > b.sent_ns ? 1 : a.id < b.id ? -1 : 1,
  );
}
