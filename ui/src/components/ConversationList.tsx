import { useState } from "react";
import type { ConversationView, ListTab } from "../lib/backend";
import { listTime, nsToDate, shortAddress } from "../lib/format";

const TABS: [ListTab, string][] = [["messages", "Messages"], ["requests", "Requests"], ["blocked", "Blocked"]];

export function ConversationList(props: {
  tab: ListTab;
  onTab: (t: ListTab) => void;
  conversations: ConversationView[];
  selected: string | null;
  onSelect: (topic: string) => void;
}) {
  const [filter, setFilter] = useState("");
  const f = filter.trim().toLowerCase();
  const shown = f ? props.conversations.filter((c) => c.peer.toLowerCase().includes(f)) : props.conversations;
  return (
    <nav className="conversations" aria-label="Conversations">
      <div className="tabs" role="tablist">
        {TABS.map(([t, label]) => (
          <button key={t} role="tab" id={`tab-${t}`} aria-selected={props.tab === t} onClick={() => props.onTab(t)}>{label}</button>
        ))}
      </div>
      <input className="filter" placeholder="Filter by address" aria-label="Filter by address" value={filter} onChange={(e) => setFilter(e.target.value)} />
      <ul>
        {shown.map((c) => {
          const when = c.last_message_ns !== "0" ? c.last_message_ns : c.created_ns;
          return (
            <li key={c.topic}>
              <button className={`conversation ${props.selected === c.topic ? "selected" : ""}`} data-peer={c.peer} onClick={() => props.onSelect(c.topic)}>
                <span className="peer">{shortAddress(c.peer)}{c.conversation_id && <span className="muted small"> · {c.conversation_id}</span>}{c.version === "v1" && <span className="muted small"> · v1</span>}</span>
                <span className="time muted small">{listTime(nsToDate(when))}</span>
                <span className="preview muted">{c.draft ? `Draft: ${c.draft}` : (c.last_preview ?? "")}</span>
                {c.unread > 0 && <span className="badge" aria-label={`${c.unread} unread`}>{c.unread}</span>}
              </button>
            </li>
          );
        })}
        {shown.length === 0 && <li className="muted small none">Nothing here.</li>}
      </ul>
    </nav>
  );
}
