import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { backend, type ConversationView, type MessageView } from "../lib/backend";
import { shortAddress } from "../lib/format";
import { filesOf, sendBlobs } from "../lib/outbox";
import { strings } from "../lib/strings";
import { ErrorNote } from "./ErrorNote";
import { firstLine } from "./Quote";

const MAX_LINES = 8;

export function Composer({ conversation, me = "", replyTo = null, onCancelReply = () => {}, onSent }: {
  conversation: ConversationView;
  me?: string;
  /** The message being replied to, shown above the box and sent as `reply_to`. */
  replyTo?: MessageView | null;
  onCancelReply?: () => void;
  onSent: (m: MessageView) => void;
}) {
  const t = strings.composer;
  const [text, setText] = useState(conversation.draft);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const topic = conversation.topic;

  useEffect(() => area.current?.focus(), [topic, replyTo]);
  // Keep the draft per conversation (saved a moment after typing stops).
  useEffect(() => {
    if (text === conversation.draft) return;
    const timer = setTimeout(() => backend.setDraft(topic, text).catch(() => {}), 400);
    return () => clearTimeout(timer);
  }, [text, topic, conversation.draft]);
  // Grow with the text, up to MAX_LINES lines, then scroll.
  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = "auto";
    const line = parseFloat(getComputedStyle(el).lineHeight) || 20;
    const pad = el.offsetHeight - el.clientHeight + 16;
    el.style.height = `${Math.min(el.scrollHeight, line * MAX_LINES + pad)}px`;
  }, [text]);

  const send = async () => {
    const body = text.trim();
    if (!body) return;
    setText("");
    setError(null);
    try {
      const m = await backend.sendMessage({
        peer: conversation.peer, text: body, conversation_id: conversation.conversation_id, v1: conversation.version === "v1", reply_to: replyTo?.id ?? null,
      });
      await backend.setDraft(topic, "");
      onCancelReply();
      onSent(m);
    } catch (e) {
      setText(body);
      setError(e);
    }
  };

  const sendFiles = async (files: File[]) => {
    setBusy(true);
    setError(null);
    try {
      const sent = await sendBlobs(topic, files, replyTo?.id ?? null);
      onCancelReply();
      sent.forEach(onSent);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const who = replyTo ? (replyTo.sender.toLowerCase() === me.toLowerCase() ? strings.thread.you : shortAddress(replyTo.sender)) : "";
  return (
    <form className="composer" onSubmit={(e) => { e.preventDefault(); send(); }}>
      {replyTo && (
        <div className="replying" role="status">
          <span className="replying-text">{t.replyingTo(who, firstLine(replyTo.attachment ? replyTo.attachment.filename : replyTo.text))}</span>
          <button type="button" className="icon" aria-label={t.cancelReply} title={t.cancelReply} onClick={onCancelReply}>✕</button>
        </div>
      )}
      <textarea
        id="composer"
        ref={area}
        rows={1}
        placeholder={t.placeholder}
        aria-label={t.label}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onPaste={(e) => {
          const files = filesOf(e.clipboardData);
          if (files.length === 0) return;
          e.preventDefault();
          sendFiles(files);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            send();
          } else if (e.key === "Escape" && replyTo) {
            e.preventDefault();
            onCancelReply();
          }
        }}
      />
      <button id="send" className="primary" disabled={!text.trim()}>{t.send}</button>
      {busy && <span className="muted small" role="status">{t.sendingFiles}</span>}
      <ErrorNote error={error} />
    </form>
  );
}
