import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { backend, type ConsentState, type ConversationView, type DeliveryState, type MessageView } from "../lib/backend";
import { ErrorNote } from "./ErrorNote";
import { merge, rows as toRows, type Row } from "../lib/items";
import { HeightIndex } from "../lib/virtual";
import { clockTime, nsToDate, shortAddress } from "../lib/format";
import { Composer } from "./Composer";

const PAGE = 50;
const ESTIMATE = 48;

export function Thread({ conversation, me, version, onChanged, onConsent, onBack }: {
  conversation: ConversationView;
  me: string;
  version: number;
  onChanged: () => void;
  /** After Accept or Block: the conversation moves to that tab and stays open. */
  onConsent: (allowed: boolean) => void;
  /** Back to the list (shown only when one pane fits). */
  onBack: () => void;
}) {
  const [messages, setMessages] = useState<MessageView[]>([]);
  const [complete, setComplete] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const [, setTick] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const loadingOlder = useRef(false);
  const topic = conversation.topic;

  const list = useMemo(() => toRows(messages), [messages]);
  const index = useRef(new HeightIndex(0, ESTIMATE));
  const prevFirstKey = useRef<string | null>(null);
  const prevLength = useRef(0);

  // Keep the height index in step with the rows (older pages are prepended).
  useMemo(() => {
    const firstKey = list.length ? list[0].key : null;
    const prepended = prevFirstKey.current && firstKey !== prevFirstKey.current ? list.findIndex((r) => r.key === prevFirstKey.current) : 0;
    index.current.resize(list.length, Math.max(0, prepended));
    prevFirstKey.current = firstKey;
  }, [list]);

  const loadNewest = useCallback(async () => {
    try {
      const page = await backend.listMessages({ topic, limit: PAGE, before_id: null });
      setMessages((m) => merge(m, page));
      if (page.length < PAGE) setComplete(true);
      await backend.markRead(topic);
      onChanged();
    } catch (e) {
      setError(e);
    }
  }, [topic, onChanged]);

  useEffect(() => { loadNewest(); }, [loadNewest, version]);

  const loadOlder = useCallback(async () => {
    if (complete || loadingOlder.current || messages.length === 0) return;
    loadingOlder.current = true;
    const el = scroller.current;
    const before = el ? el.scrollHeight - el.scrollTop : 0;
    try {
      const page = await backend.listMessages({ topic, limit: PAGE, before_id: messages[0].id });
      if (page.length < PAGE) setComplete(true);
      setMessages((m) => merge(m, page));
      requestAnimationFrame(() => {
        if (el) el.scrollTop = el.scrollHeight - before;
        loadingOlder.current = false;
      });
    } catch (e) {
      setError(e);
      loadingOlder.current = false;
    }
  }, [complete, messages, topic]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    setViewport(el.clientHeight);
    if (stickToBottom.current || list.length !== prevLength.current && stickToBottom.current) el.scrollTop = el.scrollHeight;
    prevLength.current = list.length;
  }, [list]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    setScrollTop(el.scrollTop);
    stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (el.scrollTop < 200) loadOlder();
  };

  const measure = (i: number) => (node: HTMLDivElement | null) => {
    if (node && index.current.set(i, node.offsetHeight)) setTick((t) => t + 1);
  };

  const [first, last] = index.current.range(scrollTop, viewport);
  const items: Row[] = list.slice(first, last);
  const consent = (allowed: boolean) =>
    backend.setConsent(conversation.peer, allowed).then(() => onConsent(allowed), setError);

  return (
    <div className="thread">
      <header className="thread-head">
        <button id="back" className="back icon" title="Back to the conversations" aria-label="Back to the conversations" onClick={onBack}>←</button>
        <h2 title={conversation.peer}>{shortAddress(conversation.peer)}</h2>
        <span className="muted small">{conversation.conversation_id ?? (conversation.version === "v1" ? "V1 conversation" : "")}</span>
        <span className="spacer" />
        {offers(conversation.consent).allow && (
          <button id="allow-peer" onClick={() => consent(true)}>Accept</button>
        )}
        {offers(conversation.consent).block && (
          <button id="block-peer" onClick={() => consent(false)}>Block</button>
        )}
      </header>
      <ErrorNote error={error} />
      <div className="scroller" ref={scroller} onScroll={onScroll} role="log" aria-live="polite">
        <div className="spacer-box" style={{ height: index.current.total() }}>
          <div className="window" style={{ transform: `translateY(${index.current.offset(first)}px)` }}>
            {items.map((r, k) => (
              <div key={r.key} ref={measure(first + k)} className="row">
                {r.kind === "day" ? <div className="day">{r.label}</div> : <Bubble m={r.message} mine={r.message.sender === me} />}
              </div>
            ))}
          </div>
        </div>
      </div>
      <Composer conversation={conversation} onSent={(m) => { stickToBottom.current = true; setMessages((l) => merge(l, [m])); onChanged(); }} />
    </div>
  );
}

function Bubble({ m, mine }: { m: MessageView; mine: boolean }) {
  const time = clockTime(nsToDate(m.sent_ns));
  return (
    <div className={`bubble ${mine ? "mine" : "theirs"}`} data-id={m.id} data-state={m.state}>
      <div className="text">{m.text}</div>
      <div className="meta muted small">
        {m.content_type !== "xmtp.org/text:1.0" && <span className="ctype">{m.content_type} · </span>}
        {time}
        {mine && <span className={`state ${m.state}`}> · {stateLabel(m.state)}</span>}
        {mine && m.state === "failed" && <button className="link" onClick={() => backend.retryMessage(m.id).catch(() => {})}>retry</button>}
      </div>
    </div>
  );
}

/** Which consent actions a conversation offers, by the peer's state. */
function offers(c: ConsentState): { allow: boolean; block: boolean } {
  switch (c) {
    case "allowed":
      return { allow: false, block: true };
    case "denied":
      return { allow: true, block: false };
    case "unknown":
      return { allow: true, block: true };
  }
}

function stateLabel(s: DeliveryState): string {
  switch (s) {
    case "pending":
      return "pending";
    case "sent":
      return "sent";
    case "failed":
      return "failed";
    case "received":
      return "received";
  }
}
