// How people and conversations are named: the user's local name, else the short address; a
// conversation's context title tells two conversations with the same peer apart.
import type { ConversationView } from "./backend";
import { shortAddress } from "./format";

/** The peer as the user knows them: their local name, else the short address. */
export function peerName(c: Pick<ConversationView, "name" | "peer">): string {
  const n = c.name?.trim();
  return n ? n : shortAddress(c.peer);
}

/**
 * How well a conversation matches a search, best first: 0 the user's own name for the peer, 1 the
 * address, 2 what the peer chose (the context title, the conversation id when `withId`); `null`
 * no match. A stranger titling a conversation "Alice" never outranks the contact named Alice.
 */
export function matchRank(c: ConversationView, query: string, withId = false): number | null {
  const q = query.trim().toLowerCase();
  if (!q) return 0;
  const has = (s: string | null | undefined) => !!s?.toLowerCase().includes(q);
  if (has(c.name)) return 0;
  if (has(c.peer)) return 1;
  if (has(c.title) || (withId && has(c.conversation_id))) return 2;
  return null;
}

/** The conversations matching `query`, by [`matchRank`], in list order within a rank. */
export function ranked<T extends ConversationView>(list: readonly T[], query: string, withId = false): T[] {
  return list
    .map((c, i) => ({ c, i, r: matchRank(c, query, withId) }))
    .filter((x): x is { c: T; i: number; r: number } => x.r !== null)
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.c);
}

/** Whether a conversation matches the list filter: by name, context title or address. */
export function matchesFilter(c: ConversationView, filter: string): boolean {
  return matchRank(c, filter) !== null;
}

export function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
