import { useCallback, useEffect, useRef } from "react";
import { backend } from "../lib/backend";
import { attentive, onAttention } from "../lib/attention";

/**
 * Marks a shown thread read only while the user can see it: the thread is mounted only while it
 * is the panel shown, and `attentive()` says the window is visible and focused. A load while the
 * window is in the background leaves the messages unread until the window comes back, and then
 * marks them. Returns the call for each load of the newest messages.
 */
export function useMarkRead(topic: string, onMarked: () => void): () => Promise<void> {
  // Messages came that are not marked yet (loaded while the window was away).
  const pending = useRef(false);
  const after = useRef(onMarked);
  after.current = onMarked;

  const mark = useCallback(async () => {
    if (!attentive()) {
      pending.current = true;
      return;
    }
    pending.current = false;
    await backend.markRead(topic);
    after.current();
  }, [topic]);

  useEffect(() => onAttention(() => {
    if (pending.current && attentive()) mark().catch(() => { pending.current = true; });
  }), [mark]);
  return mark;
}
