import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from "react";
import { createPortal } from "react-dom";

/** Where a popover opens: a point (right-click) or under an element (the "…" button). */
export type Anchor = { x: number; y: number };

export function anchorOf(el: Element): Anchor {
  const r = el.getBoundingClientRect();
  return { x: r.left, y: r.bottom };
}

/**
 * A floating layer in document.body (the thread's rows are transformed and contained, so a fixed
 * child there would not sit at the pointer), kept inside the window, closed by a click outside.
 */
export function Popover({ anchor, onClose, children }: { anchor: Anchor; onClose: () => void; children: ReactNode }) {
  const box = useRef<HTMLDivElement>(null);
  const [pos, setPos] = useState(anchor);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const w = el.offsetWidth;
    const h = el.offsetHeight;
    setPos({
      x: Math.max(4, Math.min(anchor.x, window.innerWidth - w - 4)),
      y: Math.max(4, anchor.y + h > window.innerHeight - 4 ? anchor.y - h : anchor.y),
    });
  }, [anchor]);
  useEffect(() => {
    const onDown = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) onClose();
    };
    document.addEventListener("mousedown", onDown);
    return () => document.removeEventListener("mousedown", onDown);
  }, [onClose]);
  return createPortal(
    <div ref={box} className="popover" style={{ left: pos.x, top: pos.y }}>
      {children}
    </div>,
    document.body,
  );
}
