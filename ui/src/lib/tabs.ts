// Where a conversation is listed: the tabs, searched together (Ctrl+K) or for one conversation
// (a notification's, which may be archived).
import { backend, type ConversationView, type ListTab } from "./backend";

/** A conversation and the tab that lists it. */
export type Found = ConversationView & { tab?: ListTab };

/** The tabs, in the order their conversations come. */
const TABS: readonly ListTab[] = ["messages", "archived", "requests", "blocked"];

/** Every tab's conversations, each once, tagged with its tab (a tab that fails to load: none). */
export async function everywhere(): Promise<Found[]> {
  const lists = await Promise.all(TABS.map((tab) => backend.listConversations(tab).then(
    (l) => l.map((c): Found => ({ ...c, tab })), () => [] as Found[])));
  const seen = new Set<string>();
  return lists.flat().filter((c) => !seen.has(c.topic) && seen.add(c.topic));
}

/** The tab that lists `topic` (Messages when none does, or the lists cannot be read). */
export async function tabOf(topic: string): Promise<ListTab> {
  return (await everywhere()).find((c) => c.topic === topic)?.tab ?? "messages";
}
