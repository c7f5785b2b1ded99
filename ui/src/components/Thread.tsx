import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type DragEvent } from "react";
import { backend, type ConversationView, type MessageView } from "../lib/backend";
import { ErrorNote } from "./ErrorNote";
import { merge, rows as toRows, type Row } from "../lib/items";
import { HeightIndex } from "../lib/virtual";
import { dateTime, nsToDate, shortAddress } from "../lib/format";
import { peerName, sameAddress } from "../lib/people";
import { filesOf, sendBlobs, type ChangeFeed } from "../lib/outbox";
import { strings } from "../lib/strings";
import { THUMB, isInlineImage } from "../lib/files";
import { Composer } from "./Composer";
import { Bubble, type BubbleActions } from "./Bubble";
import { useReadReceipts } from "./useReadReceipts";
import { useMarkRead } from "./useMarkRead";
import { Avatar } from "./Avatar";
import { ConversationHeader } from "./ConversationHeader";
import { NameOf } from "./names";

const PAGE = 50;
const ESTIMATE = 48;
/** A day separator row, and the space above a run: as in styles.css (.thread-row .day, .thread-row.run-start). */
const DAY_HEIGHT = 40;
const RUN_GAP = 8;
const HIGHLIGHT_MS = 2000;

export function Thread({ conversation, me, version, changes, readReceipts = true, focus, onChanged, onConsent, onBack, onLeave = onBack }: {
  conversation: ConversationView;
  me: string;
  version: number;
  /** Messages changed in place (reactions, read marks, downloads). */
  changes?: ChangeFeed;
  /** Whether read receipts are sent (the setting). */
  readReceipts?: boolean;
  /** A message to show, centred and highlighted (a search hit): once per `seq`. */
  focus?: { id: string; seq: number } | null;
  onChanged: () => void;
  /** After Accept or Block: the conversation moves to that tab and stays open. */
  onConsent: (allowed: boolean) => void;
  /** Back to the list (shown only when one pane fits). */
  onBack: () => void;
  /** The conversation was marked unread or archived: close it. */
  onLeave?: () => void;
}) {
  const [messages, setMessages] = useState<MessageView[]>([]);
  const [complete, setComplete] = useState(false);
  // False after a jump far back: the page loaded does not reach the newest message.
  const [atNewest, setAtNewest] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const [replyTo, setReplyTo] = useState<MessageView | null>(null);
  const [highlight, setHighlight] = useState<string | null>(null);
  const [, setTick] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const loadingOlder = useRef(false);
  const loadingNewer = useRef(false);
  // The message to go to once it is in the list (set by a quote's click).
  const [jump, setJump] = useState<{ id: string } | null>(null);
  const lastDrop = useRef(0);
  const topic = conversation.topic;

  const list = useMemo(() => toRows(messages), [messages]);
  const index = useRef(new HeightIndex(0, ESTIMATE));
  const prevFirstKey = useRef<string | null>(null);

  // Keep the height index in step with the rows (older pages are prepended; a jump replaces all).
  useMemo(() => {
    const firstKey = list.length ? list[0].key : null;
    const at = prevFirstKey.current ? list.findIndex((r) => r.key === prevFirstKey.current) : 0;
    if (at < 0) index.current = new HeightIndex(0, ESTIMATE);
    index.current.resize(list.length, Math.max(0, at), (i) => estimate(list[i]));
    prevFirstKey.current = firstKey;
  }, [list]);

  // Read only while the window is visible and focused (this thread is the panel shown while mounted).
  const markRead = useMarkRead(topic, onChanged);

  const loadNewest = useCallback(async (replace = false) => {
    try {
      const page = await backend.listMessages({ topic, limit: PAGE, before_id: null });
      setMessages((m) => (replace ? page : merge(m, page)));
      if (page.length < PAGE) setComplete(true);
      else if (replace) setComplete(false);
      await markRead();
    } catch (e) {
      setError(e);
    }
  }, [topic, markRead]);

  const atNewestRef = useRef(atNewest);
  atNewestRef.current = atNewest;
  const messagesRef = useRef(messages);
  messagesRef.current = messages;
  // New messages join the list only while it reaches the newest (else "Jump to newest" shows them).
  useEffect(() => { if (atNewestRef.current) loadNewest(); }, [loadNewest, version]);

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

  // After a jump: newer pages, centred on the newest loaded message, until one adds nothing.
  const loadNewer = useCallback(async () => {
    if (atNewest || loadingNewer.current || messages.length === 0) return;
    loadingNewer.current = true;
    try {
      const last = messages[messages.length - 1];
      const page = await backend.messagesAround(topic, last.id, PAGE);
      const known = new Set(messages.map((m) => m.id));
      const fresh = page.filter((m) => !known.has(m.id));
      setMessages((m) => merge(m, page));
      if (fresh.length === 0) {
        setAtNewest(true);
        await loadNewest();
      }
    } catch (e) {
      setError(e);
    } finally {
      loadingNewer.current = false;
    }
  }, [atNewest, messages, topic, loadNewest]);

  const jumpToNewest = () => {
    stickToBottom.current = true;
    setAtNewest(true);
    loadNewest(true);
  };

  /** Goes to a message: scrolls to it if loaded, else loads the page around it first. */
  const jumpTo = useCallback(async (id: string) => {
    setError(null);
    if (messages.some((m) => m.id === id)) {
      stickToBottom.current = false;
      setJump({ id });
      return;
    }
    try {
      const page = await backend.messagesAround(topic, id, PAGE);
      if (!page.some((m) => m.id === id)) throw { code: "not_found", message: strings.quote.missing };
      stickToBottom.current = false;
      setMessages(page);
      setComplete(false);
      setAtNewest(false);
      setJump({ id });
    } catch (e) {
      setError(e);
    }
  }, [messages, topic]);

  // A search hit: once the first page is in (so it does not land after the jump), go to it.
  const focused = useRef(0);
  useEffect(() => {
    if (!focus || focus.seq === focused.current || messages.length === 0) return;
    focused.current = focus.seq;
    jumpTo(focus.id);
  }, [focus, messages.length, jumpTo]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    setViewport(el.clientHeight);
    if (jump) {
      const target = jump.id;
      const i = list.findIndex((r) => r.key === target);
      if (i >= 0) {
        el.scrollTop = Math.max(0, index.current.offset(i) - el.clientHeight / 2);
        setScrollTop(el.scrollTop);
        setJump(null);
        // Once rendered at its measured place, centre it exactly, focus and mark it.
        requestAnimationFrame(() => {
          const node = [...el.querySelectorAll<HTMLElement>(".bubble")].find((b) => b.dataset.id === target);
          node?.scrollIntoView?.({ block: "center" });
          node?.focus({ preventScroll: true });
          setHighlight(target);
        });
      }
    } else if (stickToBottom.current) el.scrollTop = el.scrollHeight;
  }, [list, jump]);

  useEffect(() => {
    if (!highlight) return;
    const t = setTimeout(() => setHighlight(null), HIGHLIGHT_MS);
    return () => clearTimeout(t);
  }, [highlight]);

  // A message changed in place: reload it if it is loaded. The peer read further: reload the
  // newest page (its "Read" marks), if it is shown.
  useEffect(() => changes?.listen((t, id) => {
    if (t !== topic) return;
    if (id === null) {
      if (atNewestRef.current) loadNewest();
      return;
    }
    if (!messagesRef.current.some((m) => m.id === id)) return;
    backend.messagesAround(topic, id, 1).then(
      (page) => setMessages((m) => merge(m, page.filter((x) => x.id === id && m.some((y) => y.id === id)))),
      setError,
    );
  }), [changes, topic, loadNewest]);

  const nearBottom = () => {
    const el = scroller.current;
    return !!el && el.scrollHeight - el.scrollTop - el.clientHeight < 40;
  };
  // Never to requests or blocked peers: a receipt would tell a stranger this account reads them.
  const receipts = useReadReceipts({ topic, me, messages, enabled: readReceipts && conversation.consent === "allowed", seen: () => atNewestRef.current && nearBottom() });

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    setScrollTop(el.scrollTop);
    const bottom = nearBottom();
    stickToBottom.current = atNewest && bottom;
    if (el.scrollTop < 200) loadOlder();
    if (bottom) {
      loadNewer();
      receipts();
    }
  };

  // Rows change height after they render (an image downloaded, a reaction added elsewhere):
  // a ResizeObserver, where there is one, keeps the index right.
  const observer = useMemo(() => (typeof ResizeObserver === "undefined" ? null : new ResizeObserver((entries) => {
    let changed = false;
    for (const e of entries) {
      const node = e.target as HTMLElement;
      changed = index.current.set(Number(node.dataset.index), node.offsetHeight) || changed;
    }
    if (changed) setTick((t) => t + 1);
  })), []);
  useEffect(() => () => observer?.disconnect(), [observer]);
  const measure = (i: number) => (node: HTMLDivElement | null) => {
    if (!node) return;
    node.dataset.index = String(i);
    if (index.current.set(i, node.offsetHeight)) setTick((t) => t + 1);
    observer?.observe(node);
    return () => observer?.unobserve(node);
  };

  // A sent message shows at the bottom; after a jump back, the newest page comes back first.
  const sent = useCallback((m: MessageView) => {
    stickToBottom.current = true;
    if (atNewestRef.current) setMessages((l) => merge(l, [m]));
    else {
      setAtNewest(true);
      loadNewest(true);
    }
    onChanged();
  }, [onChanged, loadNewest]);

  // Files dropped on the window: Tauri gives their paths; an HTML drop (where the webview lets
  // one through) gives File objects. Whichever comes first within a moment is the one sent.
  const claimDrop = () => {
    const now = Date.now();
    if (now - lastDrop.current < 1500) return false;
    lastDrop.current = now;
    return true;
  };
  const filesDropped = useCallback((paths: string[]) => {
    if (!claimDrop()) return;
    backend.sendFiles({ topic, paths }).then((ms) => ms.forEach(sent), setError);
  }, [topic, sent]);
  useEffect(() => {
    let unlisten: (() => void) | null = null;
    let live = true;
    backend.onFilesDropped?.(filesDropped)?.then((u) => { if (live) unlisten = u; else u(); }, () => {});
    return () => { live = false; unlisten?.(); };
  }, [filesDropped]);
  const onDrop = (e: DragEvent) => {
    const files = filesOf(e.dataTransfer);
    if (files.length === 0) return;
    e.preventDefault();
    if (!claimDrop()) return;
    sendBlobs(topic, files, replyTo?.id ?? null).then((ms) => { setReplyTo(null); ms.forEach(sent); }, setError);
  };

  const actions: BubbleActions = useMemo(() => ({
    onReply: setReplyTo,
    onJump: jumpTo,
    onReact: (m, emoji, remove) => {
      backend.react(m.id, emoji, remove).then((u) => setMessages((l) => merge(l, [u])), setError);
    },
    onError: setError,
  }), [jumpTo]);

  const lastRead = useMemo(() => {
    for (let i = messages.length - 1; i >= 0; i--) if (messages[i].sender === me && messages[i].read) return messages[i].id;
    return null;
  }, [messages, me]);

  const [first, last] = index.current.range(scrollTop, viewport);
  const items: Row[] = list.slice(first, last);
  const nameOf = useCallback((a: string) =>
    sameAddress(a, me) ? strings.thread.you : sameAddress(a, conversation.peer) ? peerName(conversation) : shortAddress(a),
  [me, conversation]);

  return (
    <NameOf.Provider value={nameOf}>
    <div className="thread" onDragOver={(e) => { if (e.dataTransfer?.types?.includes("Files")) e.preventDefault(); }} onDrop={onDrop}>
      <ConversationHeader conversation={conversation} onBack={onBack} onChanged={onChanged} onConsent={onConsent} onLeave={onLeave} onError={setError} />
      <ErrorNote error={error} />
      {/* Not a live region: rows scrolled into view are not news (Messenger announces new ones). */}
      <div className="scroller" ref={scroller} onScroll={onScroll} tabIndex={0} role="region" aria-label={strings.a11y.messages(peerName(conversation))}>
        <div className="spacer-box" style={{ height: index.current.total() }}>
          <div className="window" role="list" style={{ transform: `translateY(${index.current.offset(first)}px)` }}>
            {items.map((r, k) => (
              <div key={r.key} ref={measure(first + k)} className={`thread-row${r.kind === "message" && r.first ? " run-start" : ""}`} role="listitem">
                {r.kind === "day" ? <div className="day" role="separator"><span>{r.label}</span></div> : (
                  <>
                    {!sameAddress(r.message.sender, me) && (
                      <span className="avatar-slot">{r.first && <Avatar address={r.message.sender} size={28} />}</span>
                    )}
                    <Bubble spoken={strings.a11y.message(nameOf(r.message.sender), dateTime(nsToDate(r.message.sent_ns)))} m={r.message} me={me} mine={sameAddress(r.message.sender, me)} showRead={r.message.id === lastRead}
                      highlighted={r.message.id === highlight} actions={actions} last={r.last} />
                  </>
                )}
              </div>
            ))}
          </div>
        </div>
      </div>
      {!atNewest && <button id="jump-newest" className="jump-newest" onClick={jumpToNewest}>{strings.thread.jumpToNewest}</button>}
      <Composer conversation={conversation} me={me} replyTo={replyTo} onCancelReply={() => setReplyTo(null)} onSent={sent} />
    </div>
    </NameOf.Provider>
  );
}

/** A row's height before it is measured: images reserve their thumbnail box, so rows do not jump. */
function estimate(r: Row): number {
  if (r.kind === "day") return DAY_HEIGHT;
  const m = r.message;
  let h = r.last ? ESTIMATE : ESTIMATE - 18;
  if (r.first) h += RUN_GAP;
  if (m.attachment) h += isInlineImage(m.attachment.mime_type) ? THUMB : 24;
  if (m.reply_to) h += 44;
  if (m.reactions.length > 0) h += 30;
  return h;
}
