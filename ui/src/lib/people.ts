// How people and conversations are named: the user's local name, else the short address; a
// conversation's context title tells two conversations with the same peer apart.
import type { ConversationView } from "./backend";
import { shortAddress } from "./format";

/** The peer as the user knows them: their local name, else the short address. */
export function peerName(c: Pick<ConversationView, "name" | "peer">): string {
  const n = c.name?.trim();
  return n ? n : shortAddress(c.peer);
}

/** Whether a conversation matches the list filter: by name, context title or address. */
export function matchesFilter(c: ConversationView, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  if (!f) return true;
  return [c.name, c.title, c.peer].some((s) => s?.toLowerCase().includes(f));
}

export function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
