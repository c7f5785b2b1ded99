import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { backend, isApiError, type ConversationView, type SearchHit } from "../lib/backend";
import { useFocusReturn } from "../lib/focus";
import { dateTime, nsToDate, shortAddress } from "../lib/format";
import { useStrings } from "../lib/i18n";
import { peerName, sameAddress } from "../lib/people";
import { Avatar } from "./Avatar";
import { ErrorNote } from "./ErrorNote";

/** Hits asked for at once (newest first); more words narrow the search further back. */
export const LIMIT = 50;
/** Quiet time after a key before searching, ms. */
const DEBOUNCE_MS = 150;

/**
 * Ctrl+F (the open conversation) and Ctrl+Shift+F (everything): a dialog with a combobox; hits
 * show who sent them, when, and a snippet whose matches are <mark>ed. The snippet arrives as
 * plain segments and is rendered as text, never as markup. Arrows move, Enter opens the hit in
 * its thread, Escape goes back.
 */
export function SearchPanel({ topic, conversations, me, onOpen, onClose, onEverywhere }: {
  /** The conversation searched, or null for all. */
  topic: string | null;
  /** The list the user sees (to name peers). */
  conversations: readonly ConversationView[];
  /** The user's address. */
  me: string;
  onOpen: (hit: SearchHit) => void;
  onClose: () => void;
  /** Widens a search of one conversation to all. */
  onEverywhere: () => void;
}) {
  const t = useStrings().search;
  const [query, setQuery] = useState("");
  const [includeBlocked, setIncludeBlocked] = useState(false);
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [active, setActive] = useState(0);
  const root = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const focus = useFocusReturn(root, onClose, { trap: true, initial: input });
  const seq = useRef(0);
  const id = useId();
  const optionId = (i: number) => `${id}-hit-${i}`;
  const conversation = topic === null ? null : conversations.find((c) => c.topic === topic) ?? null;
  const title = topic === null ? t.titleAll : t.titleThread(conversation ? peerName(conversation) : shortAddress(topic));

  useEffect(() => {
    const q = query.trim();
    const mine = ++seq.current;
    if (!q) {
      setHits(null);
      setBusy(false);
      return;
    }
    setBusy(true);
    const timer = setTimeout(() => {
      backend.search(q, topic, includeBlocked, LIMIT).then(
        (found) => {
          if (seq.current !== mine) return;
          setHits(found);
          setError(null);
          setActive(0);
          setBusy(false);
        },
        (e) => {
          if (seq.current !== mine) return;
          // A query of punctuation only, or too long: nothing to find, said plainly.
          setHits(isApiError(e) && e.code === "bad_input" ? [] : null);
          setError(isApiError(e) && e.code === "bad_input" ? null : e);
          setBusy(false);
        },
      );
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [query, topic, includeBlocked]);

  const shown = hits ?? [];
  const at = Math.min(active, Math.max(0, shown.length - 1));
  const open = (hit: SearchHit) => {
    focus.stay();
    onOpen(hit);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (shown.length) setActive((at + (e.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length);
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (shown[at]) open(shown[at]);
    }
  };
  useEffect(() => {
    document.getElementById(optionId(at))?.scrollIntoView?.({ block: "nearest" });
  });

  const nameOf = (hit: SearchHit): string => {
    if (sameAddress(hit.sender, me)) return t.you;
    const c = conversations.find((x) => x.topic === hit.topic);
    return c ? peerName(c) : shortAddress(hit.sender);
  };

  return (
    <div className="modal-backdrop" onMouseDown={(e) => { if (e.target === e.currentTarget) onClose(); }}>
      <div ref={root} className="dialog search-panel" role="dialog" aria-modal="true" aria-labelledby={`${id}-title`} id="search-panel">
        <h2 id={`${id}-title`} className="dialog-title">{title}</h2>
        <input ref={input} id="search-input" type="search" role="combobox" aria-expanded={shown.length > 0} aria-autocomplete="list"
          aria-controls={`${id}-list`} aria-activedescendant={shown.length ? optionId(at) : undefined}
          aria-label={t.input} placeholder={t.input} value={query} autoComplete="off" spellCheck={false} maxLength={512}
          onChange={(e) => setQuery(e.target.value)} onKeyDown={onKeyDown} />
        <div className="search-options">
          <label className="small">
            <input type="checkbox" id="search-include-blocked" checked={includeBlocked} onChange={(e) => setIncludeBlocked(e.target.checked)} /> {t.includeBlocked}
          </label>
          {topic !== null && <button type="button" className="link small" id="search-everywhere" onClick={onEverywhere}>{t.everywhere}</button>}
        </div>
        <ErrorNote error={error} />
        <p className="muted small" role="status" id="search-status">
          {busy ? t.searching : hits === null ? "" : hits.length === 0 ? t.none : t.count(hits.length)}
        </p>
        <ul id={`${id}-list`} role="listbox" aria-label={t.results} className="search-results">
          {shown.map((hit, i) => {
            const who = nameOf(hit);
            const when = dateTime(nsToDate(hit.sent_ns));
            return (
              <li key={hit.id} id={optionId(i)} role="option" aria-selected={i === at} data-id={hit.id} data-topic={hit.topic}
                className={i === at ? "search-hit active" : "search-hit"} onMouseDown={(e) => { e.preventDefault(); open(hit); }}>
                <Avatar address={sameAddress(hit.sender, me) ? me : hit.sender} size={28} />
                <span className="search-hit-body">
                  <span className="search-hit-head">
                    <span className="search-hit-who">{who}</span> <time className="muted small" dateTime={nsToDate(hit.sent_ns).toISOString()}>{when}</time>
                  </span>
                  <span className="search-snippet">
                    {hit.snippet.map((p, k) => (p.is_match ? <mark key={k}>{p.text}</mark> : <span key={k}>{p.text}</span>))}
                  </span>
                </span>
              </li>
            );
          })}
        </ul>
        {hits !== null && hits.length === LIMIT && <p className="muted small">{t.more}</p>}
      </div>
    </div>
  );
}
