import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from "react";
import { createPortal } from "react-dom";

const FOCUSABLE = 'button:not([disabled]), input:not([disabled]), textarea:not([disabled]), select, [href], [tabindex]:not([tabindex="-1"])';

/**
 * A modal dialog: focus moves into it (its first field or button, or `initial`), Tab stays in
 * it, Escape or a click on the backdrop closes it, and focus goes back where it came from.
 */
export function Dialog({ title, onClose, children, className = "", role = "dialog", describedBy }: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  className?: string;
  /** "alertdialog" for a confirmation of something that matters. */
  role?: "dialog" | "alertdialog";
  /** The id of the element that says what the dialog is about (its `aria-describedby`). */
  describedBy?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const titleId = useId();
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const el = box.current;
    const first = el?.querySelector<HTMLElement>("[data-autofocus]") ?? el?.querySelector<HTMLElement>(FOCUSABLE);
    first?.focus();
    return () => before?.focus?.();
  }, []);

  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      onClose();
    } else if (e.key === "Tab" && box.current) {
      const all = [...box.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
      if (all.length === 0) return;
      const first = all[0];
      const last = all[all.length - 1];
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    }
  };

  return createPortal(
    <div className="dialog-backdrop" onMouseDown={(e) => { if (e.target === e.currentTarget) onClose(); }}>
      <div ref={box} role={role} aria-modal="true" aria-labelledby={titleId} aria-describedby={describedBy} className={`dialog modal ${className}`} onKeyDown={onKey}>
        <h2 id={titleId} className="dialog-title">{title}</h2>
        {children}
      </div>
    </div>,
    document.body,
  );
}
