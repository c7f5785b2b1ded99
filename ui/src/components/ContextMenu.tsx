import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";

/** `content`, when given, is shown instead of the label (which stays the item's accessible name). */
export type MenuItem = { id: string; label: string; onSelect: () => void; content?: ReactNode };

/**
 * A menu (role=menu): focus starts on the first item; Up/Down (wrapping), Home/End move it;
 * Enter/Space choose; Escape and Tab close. The opener gets focus back from the caller.
 */
export function ContextMenu({ label, items, onClose }: { label: string; items: MenuItem[]; onClose: () => void }) {
  const [active, setActive] = useState(0);
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  useEffect(() => refs.current[active]?.focus(), [active]);

  const onKey = (e: KeyboardEvent) => {
    const n = items.length;
    let next: number | null = null;
    switch (e.key) {
      case "ArrowDown":
        next = (active + 1) % n;
        break;
      case "ArrowUp":
        next = (active - 1 + n) % n;
        break;
      case "Home":
        next = 0;
        break;
      case "End":
        next = n - 1;
        break;
      case "Escape":
      case "Tab":
        e.preventDefault();
        e.stopPropagation();
        onClose();
        return;
      default:
        return;
    }
    e.preventDefault();
    setActive(next);
  };

  return (
    <div role="menu" aria-label={label} className="menu" onKeyDown={onKey}>
      {items.map((it, i) => (
        <button
          key={it.id}
          type="button"
          role="menuitem"
          data-item={it.id}
          tabIndex={i === active ? 0 : -1}
          ref={(el) => { refs.current[i] = el; }}
          onClick={() => { onClose(); it.onSelect(); }}
          onMouseEnter={() => setActive(i)}
          aria-label={it.content ? it.label : undefined}
        >
          {it.content ?? it.label}
        </button>
      ))}
    </div>
  );
}
