// A thread as rows: messages with a day separator before the first message of each day.
import type { MessageView } from "./backend";
import { dayKey, dayLabel, nsToDate } from "./format";

export type Row = { kind: "day"; key: string; label: string } | { kind: "message"; key: string; message: MessageView };

export function rows(messages: MessageView[], now: Date = new Date()): Row[] {
  const out: Row[] = [];
  let day = "";
  for (const m of messages) {
    const d = nsToDate(m.sent_ns);
    const k = dayKey(d);
    if (k !== day) {
      out.push({ kind: "day", key: `day-${k}`, label: dayLabel(d, now) });
      day = k;
    }
    out.push({ kind: "message", key: m.id, message: m });
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
