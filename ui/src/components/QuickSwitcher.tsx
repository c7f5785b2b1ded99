import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from "react";
import type { ConversationView, ListTab } from "../lib/backend";
import { everywhere, type Found } from "../lib/tabs";
import { useFocusReturn } from "../lib/focus";
import { useStrings } from "../lib/i18n";
import { peerName, ranked } from "../lib/people";

/** What a conversation is called in the switcher: its local name, else the short address; its context. */
function labelOf(c: ConversationView): { name: string; context: string } {
  return { name: peerName(c), context: c.title ?? c.conversation_id ?? "" };
}

/**
 * The conversations whose name, address, title or id contains `query` (case-insensitive): local
 * names first, then addresses, then what the peer chose (title, id); list order within each.
 */
export function matches<T extends ConversationView>(conversations: readonly T[], query: string): T[] {
  return ranked(conversations, query, true);
}

/**
 * Ctrl+K: a dialog with a combobox; typing filters by name or address, Enter opens, Escape goes
 * back. It searches every tab (the list on screen at once, then all of them as they load); a
 * pick names the tab that holds it.
 */
export function QuickSwitcher({ conversations, onPick, onClose }: {
  conversations: readonly ConversationView[];
  onPick: (topic: string, tab?: ListTab) => void;
  onClose: () => void;
}) {
  const [all, setAll] = useState<Found[] | null>(null);
  useEffect(() => {
    let live = true;
    everywhere().then((l) => { if (live) setAll(l); });
    return () => { live = false; };
  }, []);
  const t = useStrings().switcher;
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const root = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const focus = useFocusReturn(root, onClose, { trap: true, initial: input });
  const pick = (c: Found) => {
    focus.stay();
    onPick(c.topic, c.tab);
  };
  const shown = useMemo(() => matches<Found>(all ?? conversations, query).slice(0, 50), [all, conversations, query]);
  const at = Math.min(active, Math.max(0, shown.length - 1));
  const id = useId();
  const optionId = (i: number) => `${id}-option-${i}`;

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (shown.length) setActive((at + (e.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length);
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (shown[at]) pick(shown[at]);
    }
  };

  return (
    <div className="modal-backdrop" onMouseDown={(e) => { if (e.target === e.currentTarget) onClose(); }}>
      <div ref={root} className="dialog quick-switcher" role="dialog" aria-modal="true" aria-labelledby={`${id}-title`} id="quick-switcher">
        <h2 id={`${id}-title`} className="dialog-title">{t.title}</h2>
        <input ref={input} id="quick-switcher-input" role="combobox" aria-expanded="true" aria-autocomplete="list"
          aria-controls={`${id}-list`} aria-activedescendant={shown.length ? optionId(at) : undefined}
          aria-label={t.input} placeholder={t.input} value={query} autoComplete="off"
          onChange={(e) => { setQuery(e.target.value); setActive(0); }} onKeyDown={onKeyDown} />
        <ul id={`${id}-list`} role="listbox" aria-label={t.title} className="switcher-list">
          {shown.map((c, i) => {
            const { name, context } = labelOf(c);
            return (
              <li key={c.topic} id={optionId(i)} role="option" aria-selected={i === at} data-topic={c.topic}
                className={i === at ? "active" : ""} onMouseDown={(e) => { e.preventDefault(); pick(c); }}>
                <span className="switcher-name"><bdi>{name}</bdi></span>
                {context && <span className="muted small"> · <bdi>{context}</bdi></span>}
              </li>
            );
          })}
        </ul>
        {shown.length === 0 && <p className="muted small" role="status">{t.none}</p>}
      </div>
    </div>
  );
}
