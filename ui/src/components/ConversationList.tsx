import { useRef, useState, type KeyboardEvent } from "react";
import type { ConversationView, ListTab } from "../lib/backend";
import { count, listTime, nsToDate, shortAddress } from "../lib/format";
import { useStrings } from "../lib/i18n";

const TABS: ListTab[] = ["messages", "requests", "blocked"];

/** The tab that a key moves to from `at` in a tablist of `n` (arrows wrap; Home and End), or null. */
export function tabKey(key: string, at: number, n: number): number | null {
  switch (key) {
    case "ArrowRight":
    case "ArrowDown":
      return (at + 1) % n;
    case "ArrowLeft":
    case "ArrowUp":
      return (at + n - 1) % n;
    case "Home":
      return 0;
    case "End":
      return n - 1;
    default:
      return null;
  }
}

export function ConversationList(props: {
  tab: ListTab;
  onTab: (t: ListTab) => void;
  conversations: ConversationView[];
  selected: string | null;
  onSelect: (topic: string) => void;
}) {
  const t = useStrings().a11y;
  const [filter, setFilter] = useState("");
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  const f = filter.trim().toLowerCase();
  const shown = f ? props.conversations.filter((c) => c.peer.toLowerCase().includes(f)) : props.conversations;
  // A tablist is one tab stop: the arrows (in reading direction), Home and End move and select.
  const onTabKey = (e: KeyboardEvent) => {
    const rtl = getComputedStyle(e.currentTarget).direction === "rtl";
    const key = rtl && e.key === "ArrowLeft" ? "ArrowRight" : rtl && e.key === "ArrowRight" ? "ArrowLeft" : e.key;
    const next = tabKey(key, TABS.indexOf(props.tab), TABS.length);
    if (next === null) return;
    e.preventDefault();
    props.onTab(TABS[next]);
    tabs.current[next]?.focus();
  };
  return (
    <nav className="conversations" aria-label={t.conversations}>
      <div className="tabs" role="tablist" aria-label={t.tabs} onKeyDown={onTabKey}>
        {TABS.map((id, i) => (
          <button key={id} ref={(b) => { tabs.current[i] = b; }} role="tab" id={`tab-${id}`} aria-selected={props.tab === id}
            aria-controls="conversations-panel" tabIndex={props.tab === id ? 0 : -1} onClick={() => props.onTab(id)}>{t.tab[id]}</button>
        ))}
      </div>
      <div className="tabpanel" role="tabpanel" id="conversations-panel" aria-labelledby={`tab-${props.tab}`}>
        <input className="filter" placeholder={t.filter} aria-label={t.filter} value={filter} onChange={(e) => setFilter(e.target.value)} />
        <ul>
          {shown.map((c) => {
            const when = c.last_message_ns !== "0" ? c.last_message_ns : c.created_ns;
            return (
              <li key={c.topic}>
                <button className={`conversation ${props.selected === c.topic ? "selected" : ""}`} data-peer={c.peer}
                  aria-current={props.selected === c.topic ? "true" : undefined} onClick={() => props.onSelect(c.topic)}>
                  <span className="peer">{shortAddress(c.peer)}{c.conversation_id && <span className="muted small"> · {c.conversation_id}</span>}{c.version === "v1" && <span className="muted small"> · v1</span>}</span>
                  <span className="time muted small">{listTime(nsToDate(when))}</span>
                  <span className="preview muted" dir="auto">{c.draft ? t.draft(c.draft) : (c.last_preview ?? "")}</span>
                  {c.unread > 0 && <span className="badge" role="img" aria-label={t.unread(c.unread)}>{count(c.unread)}</span>}
                </button>
              </li>
            );
          })}
          {shown.length === 0 && <li className="muted small none">{t.nothing}</li>}
        </ul>
      </div>
    </nav>
  );
}
