import { useState } from "react";
import type { ConversationView, ListTab } from "../lib/backend";
import { listTime, nsToDate } from "../lib/format";
import { matchesFilter, peerName } from "../lib/people";
import { strings } from "../lib/strings";
import { Avatar } from "./Avatar";

const TABS: [ListTab, string][] = [["messages", "Messages"], ["requests", "Requests"], ["blocked", "Blocked"], ["archived", strings.list.archived]];

export function ConversationList(props: {
  tab: ListTab;
  onTab: (t: ListTab) => void;
  conversations: ConversationView[];
  selected: string | null;
  onSelect: (topic: string) => void;
}) {
  const [filter, setFilter] = useState("");
  const shown = props.conversations.filter((c) => matchesFilter(c, filter));
  return (
    <nav className="conversations" aria-label="Conversations">
      <div className="tabs" role="tablist">
        {TABS.map(([t, label]) => (
          <button key={t} role="tab" id={`tab-${t}`} aria-selected={props.tab === t} onClick={() => props.onTab(t)}>{label}</button>
        ))}
      </div>
      <input className="filter" placeholder={strings.list.filter} aria-label={strings.list.filter} value={filter} onChange={(e) => setFilter(e.target.value)} />
      <ul>
        {shown.map((c) => (
          <li key={c.topic}>
            <Row c={c} selected={props.selected === c.topic} onSelect={() => props.onSelect(c.topic)} />
          </li>
        ))}
        {shown.length === 0 && <li className="muted small none">{strings.list.nothing}</li>}
      </ul>
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
        {peerName(c)}
        {c.title && <span className="context muted small"> · {c.title}</span>}
      </span>
      <span className="time muted small">{listTime(nsToDate(when))}</span>
      <span className="preview muted">{c.draft ? strings.list.draft(c.draft) : (c.last_preview ?? "")}</span>
      <span className="flags">
        {c.pinned && <span className="flag-icon pinned" role="img" aria-label={strings.list.pinned} title={strings.list.pinned}><PinIcon /></span>}
        {c.muted && <span className="flag-icon muted-flag" role="img" aria-label={strings.list.muted} title={strings.list.muted}><MuteIcon /></span>}
        {c.unread > 0 && <span className="badge" aria-label={strings.list.unread(c.unread)}>{c.unread}</span>}
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
