import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { EMOJI } from "../lib/emoji";
import { strings } from "../lib/strings";

const COLUMNS = 8;

/**
 * The bundled emoji set as a grid: arrow keys move (by row and column), Home/End go to the row's
 * ends, Ctrl+Home/End to the set's ends, Enter/Space pick, Escape closes.
 */
export function EmojiPicker({ onPick, onClose }: { onPick: (emoji: string) => void; onClose: () => void }) {
  const [active, setActive] = useState(0);
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  useEffect(() => refs.current[active]?.focus(), [active]);
  const n = EMOJI.length;
  const rows: number[][] = [];
  for (let i = 0; i < n; i += COLUMNS) rows.push(Array.from({ length: Math.min(COLUMNS, n - i) }, (_, k) => i + k));

  const onKey = (e: KeyboardEvent) => {
    const rowStart = active - (active % COLUMNS);
    let next: number | null = null;
    switch (e.key) {
      case "ArrowRight":
        next = Math.min(n - 1, active + 1);
        break;
      case "ArrowLeft":
        next = Math.max(0, active - 1);
        break;
      case "ArrowDown":
        next = active + COLUMNS < n ? active + COLUMNS : active;
        break;
      case "ArrowUp":
        next = active - COLUMNS >= 0 ? active - COLUMNS : active;
        break;
      case "Home":
        next = e.ctrlKey ? 0 : rowStart;
        break;
      case "End":
        next = e.ctrlKey ? n - 1 : Math.min(n - 1, rowStart + COLUMNS - 1);
        break;
      case "Escape":
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
    <div className="emoji-picker" role="grid" aria-label={strings.emoji.picker} onKeyDown={onKey}>
      {rows.map((row, r) => (
        <div role="row" key={r} className="emoji-row">
          {row.map((i) => (
            <button
              key={EMOJI[i].char}
              type="button"
              role="gridcell"
              className="emoji"
              tabIndex={i === active ? 0 : -1}
              aria-label={EMOJI[i].name}
              title={EMOJI[i].name}
              ref={(el) => { refs.current[i] = el; }}
              onClick={() => onPick(EMOJI[i].char)}
            >
              {EMOJI[i].char}
            </button>
          ))}
        </div>
      ))}
    </div>
  );
}
