// Whether the user can be looking at the window right now: the document is visible (not a
// minimised window or a hidden tab) and the window has the keyboard focus. Read marks and read
// receipts wait for it.

/** True while the document is visible and the window focused. */
export function attentive(): boolean {
  return typeof document !== "undefined" && document.visibilityState === "visible" && document.hasFocus();
}

/** Calls `then` each time the window may have come back to the user (focus, or shown again). */
export function onAttention(then: () => void): () => void {
  window.addEventListener("focus", then);
  document.addEventListener("visibilitychange", then);
  return () => {
    window.removeEventListener("focus", then);
    document.removeEventListener("visibilitychange", then);
  };
}
