import { useEffect, useRef, useState } from "react";
import { backend, type ConversationView, type MessageView } from "../lib/backend";
import { ErrorNote } from "./ErrorNote";

export function Composer({ conversation, onSent }: { conversation: ConversationView; onSent: (m: MessageView) => void }) {
  const [text, setText] = useState(conversation.draft);
  const [error, setError] = useState<unknown>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const topic = conversation.topic;

  useEffect(() => area.current?.focus(), [topic]);
  // Keep the draft per conversation (saved a moment after typing stops).
  useEffect(() => {
    if (text === conversation.draft) return;
    const t = setTimeout(() => backend.setDraft(topic, text).catch(() => {}), 400);
    return () => clearTimeout(t);
  }, [text, topic, conversation.draft]);

  const send = async () => {
    const body = text.trim();
    if (!body) return;
    setText("");
    setError(null);
    try {
      const m = await backend.sendMessage({ peer: conversation.peer, text: body, conversation_id: conversation.conversation_id, v1: conversation.version === "v1" });
      await backend.setDraft(topic, "");
      onSent(m);
    } catch (e) {
      setText(body);
      setError(e);
    }
  };

  return (
    <form className="composer" onSubmit={(e) => { e.preventDefault(); send(); }}>
      <textarea
        id="composer"
        ref={area}
        rows={1}
        placeholder="Message (Enter sends, Shift+Enter for a new line)"
        aria-label="Message"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            send();
          }
        }}
      />
      <button id="send" className="primary" disabled={!text.trim()}>Send</button>
      <ErrorNote error={error} />
    </form>
  );
}
