import { useMemo, useRef, useState } from "react";
import { backend, type ConversationView } from "../lib/backend";
import { shortAddress } from "../lib/format";
import { strings } from "../lib/strings";

const QUIET_MS = 300;
const PREVIEW = 120;

/** Whether a conversation would notify: an allowed peer, not muted (as the notifier decides). */
const notifies = (c: ConversationView) => c.consent === "allowed" && !c.muted;

/**
 * What the live region says: new messages from others as they arrive (one line for one, a count
 * for a burst), never the app's own, and never rows that merely scroll into view (the thread
 * itself is not a live region). Only conversations that would notify speak: never requests,
 * blocked peers or muted conversations, whichever tab is on screen.
 */
export function useAnnouncer(me: string, conversations: readonly ConversationView[]) {
  const [text, setText] = useState("");
  const list = useRef(conversations);
  list.current = conversations;
  const pending = useRef<{ topic: string; id: string }[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const heard = useMemo(() => {
    const flush = async () => {
      const batch = pending.current.splice(0, 50);
      pending.current = [];
      // The conversations of the batch: those on screen, else the allowed ones (Messages and
      // Archived tabs; requests and blocked peers are in neither and never speak).
      const known = new Map(list.current.map((c) => [c.topic, c]));
      if (batch.some(({ topic }) => !known.has(topic))) {
        for (const tab of ["messages", "archived"] as const) {
          try {
            for (const c of await backend.listConversations(tab)) if (!known.has(c.topic)) known.set(c.topic, c);
          } catch {
            // Not listed: nothing to say for it.
          }
        }
      }
      const incoming = [];
      for (const { topic, id } of batch) {
        const c = known.get(topic);
        if (!c || !notifies(c)) continue;
        try {
          const m = (await backend.messagesAround(topic, id, 1)).find((x) => x.id === id);
          if (m && m.sender.toLowerCase() !== me.toLowerCase()) incoming.push(m);
        } catch {
          // Gone or unreadable: nothing to say.
        }
      }
      if (incoming.length === 0) return;
      const t = strings.a11y;
      if (incoming.length > 1) return setText(t.incomingMany(incoming.length));
      const m = incoming[0];
      const c = known.get(m.topic);
      const who = c?.name || shortAddress(m.sender);
      setText(t.incoming(who, (m.attachment ? m.attachment.filename : m.text).slice(0, PREVIEW)));
    };
    return (topic: string, id: string) => {
      pending.current.push({ topic, id });
      clearTimeout(timer.current);
      timer.current = setTimeout(() => { void flush(); }, QUIET_MS);
    };
  }, [me]);
  return useMemo(() => ({ text, heard }), [text, heard]);
}
