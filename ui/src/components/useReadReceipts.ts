import { useCallback, useEffect, useRef } from "react";
import { backend, type MessageView } from "../lib/backend";
import { attentive, onAttention } from "../lib/attention";

// The newest peer message a receipt was sent for, by topic (for this run of the app: reopening a
// thread does not send again for what was already acknowledged).
const receipted = new Map<string, string>();

/**
 * Sends a read receipt when the user has actually seen the newest messages: the window has focus
 * and is visible, `seen()` says the newest message is on screen, and a peer message came since the
 * last receipt. Returns the check, for the thread to call when it scrolls to the bottom.
 */
export function useReadReceipts({ topic, me, messages, enabled, seen }: {
  topic: string;
  me: string;
  messages: MessageView[];
  enabled: boolean;
  seen: () => boolean;
}): () => void {
  const state = useRef({ messages, enabled, seen });
  state.current = { messages, enabled, seen };

  const check = useCallback(() => {
    const { messages, enabled, seen } = state.current;
    if (!enabled || !attentive() || !seen()) return;
    const mine = me.toLowerCase();
    let newest: MessageView | undefined;
    for (let i = messages.length - 1; i >= 0 && !newest; i--) if (messages[i].sender.toLowerCase() !== mine) newest = messages[i];
    if (!newest || receipted.get(topic) === newest.id) return;
    const id = newest.id;
    receipted.set(topic, id);
    backend.sendReadReceipt(topic).catch(() => {
      if (receipted.get(topic) === id) receipted.delete(topic);
    });
  }, [topic, me]);

  useEffect(check, [check, messages, enabled]);
  useEffect(() => onAttention(check), [check]);
  return check;
}
