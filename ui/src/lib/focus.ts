// Focus for panels and dialogs: it moves into what opens and back to where it was on close.
import { useEffect, useLayoutEffect, useRef, useState, type RefObject } from "react";

const FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** The focusable elements inside `root`, in order. */
export function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)];
}

/**
 * While mounted: focus goes to `initial` (or the first focusable in `root`, or `root`), Escape
 * calls `onClose`, and at unmount focus returns to what had it before (unless `stay` was called:
 * what was picked takes it). With `trap`, Tab cycles inside `root` (a modal dialog).
 */
export function useFocusReturn(root: RefObject<HTMLElement | null>, onClose: () => void, { trap = false, initial }: { trap?: boolean; initial?: RefObject<HTMLElement | null> } = {}): { stay: () => void } {
  const close = useRef(onClose);
  close.current = onClose;
  const back = useRef(true);
  // The opener, read at the first render: by the layout effect, an autoFocus field inside has
  // already taken the focus (React focuses it while committing, before this hook's effects).
  const [opener] = useState(() => (typeof document === "undefined" ? null : (document.activeElement as HTMLElement | null)));
  useLayoutEffect(() => {
    const el = root.current;
    const before = opener && !el?.contains(opener) ? opener : (document.activeElement as HTMLElement | null);
    if (el && !el.contains(document.activeElement)) {
      const first = initial?.current ?? el.querySelector<HTMLElement>("[autofocus]") ?? focusables(el)[0] ?? el;
      first.focus();
    }
    return () => {
      // Back to the opener if it is still there, after what mounts in the panel's place has
      // taken its own focus (the composer does).
      if (!back.current) return;
      setTimeout(() => {
        if (before && before.isConnected && before !== document.body) before.focus();
      }, 0);
    };
  }, [root, initial, opener]);
  useEffect(() => {
    const el = root.current;
    if (!el) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        close.current();
      } else if (trap && e.key === "Tab") {
        const all = focusables(el);
        if (all.length === 0) return;
        const [first, last] = [all[0], all[all.length - 1]];
        if (e.shiftKey && document.activeElement === first) {
          e.preventDefault();
          last.focus();
        } else if (!e.shiftKey && document.activeElement === last) {
          e.preventDefault();
          first.focus();
        }
      }
    };
    el.addEventListener("keydown", onKey);
    return () => el.removeEventListener("keydown", onKey);
  }, [root, trap]);
  // What was picked (a conversation) takes the focus instead of the opener.
  return { stay: () => { back.current = false; } };
}
