import { useMemo, useRef, useState } from "react";
import { backend, type ConversationView } from "../lib/backend";
import { shortAddress } from "../lib/format";
import { strings } from "../lib/strings";

const QUIET_MS = 300;
const PREVIEW = 120;

/**
 * What the live region says: new messages from others as they arrive (one line for one, a count
 * for a burst), never the app's own, and never rows that merely scroll into view (the thread
 * itself is not a live region).
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
      const incoming = [];
      for (const { topic, id } of batch) {
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
      const c = list.current.find((x) => x.topic === m.topic);
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
