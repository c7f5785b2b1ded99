import { useRef, useState, type KeyboardEvent } from "react";
import type { ConversationView, ListTab } from "../lib/backend";
import { count, listTime, nsToDate } from "../lib/format";
import { useStrings } from "../lib/i18n";
import { peerName, ranked } from "../lib/people";
import { strings } from "../lib/strings";
import { Avatar } from "./Avatar";

const TABS: ListTab[] = ["messages", "requests", "blocked", "archived"];

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
  const shown = ranked(props.conversations, filter);
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
          {shown.map((c) => (
            <li key={c.topic}>
              <Row c={c} selected={props.selected === c.topic} onSelect={() => props.onSelect(c.topic)} />
            </li>
          ))}
          {shown.length === 0 && <li className="muted small none">{t.nothing}</li>}
        </ul>
      </div>
    </nav>
  );
}

/** One conversation: identicon, name (or short address) and context, time, preview, badges. */
function Row({ c, selected, onSelect }: { c: ConversationView; selected: boolean; onSelect: () => void }) {
  const when = c.last_message_ns !== "0" ? c.last_message_ns : c.created_ns;
  return (
    <button className={`conversation ${selected ? "selected" : ""}`} data-peer={c.peer} data-topic={c.topic}
      aria-current={selected ? "true" : undefined} title={c.peer} onClick={onSelect}>
      <Avatar address={c.peer} size={36} />
      <span className="peer">
        <bdi>{peerName(c)}</bdi>
        {c.title && <span className="context muted small"> · <bdi>{c.title}</bdi></span>}
      </span>
      <span className="time muted small">{listTime(nsToDate(when))}</span>
      <span className="preview muted" dir="auto">{c.draft ? strings.list.draft(c.draft) : (c.last_preview ?? "")}</span>
      <span className="flags">
        {c.pinned && <span className="flag-icon pinned" role="img" aria-label={strings.list.pinned} title={strings.list.pinned}><PinIcon /></span>}
        {c.muted && <span className="flag-icon muted-flag" role="img" aria-label={strings.list.muted} title={strings.list.muted}><MuteIcon /></span>}
        {c.unread > 0 && <span className="badge" role="img" aria-label={strings.list.unread(c.unread)}>{count(c.unread)}</span>}
        {c.unread === 0 && c.marked_unread && <span className="badge dot" role="img" aria-label={strings.list.markedUnread} title={strings.list.markedUnread} />}
      </span>
    </button>
  );
}

function PinIcon() {
  return (
    <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" strokeLinecap="round">
      <path d="M6 2h4l-.5 4 2.5 2.5H4L6.5 6z" /><path d="M8 8.5V14" />
    </svg>
  );
}

function MuteIcon() {
  return (
    <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" strokeLinecap="round">
      <path d="M4 11V7a4 4 0 0 1 8 0v4l1 1.5H3z" /><path d="M6.5 14h3" /><path d="M2 2l12 12" />
    </svg>
  );
}
