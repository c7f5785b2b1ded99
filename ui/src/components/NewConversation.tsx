import { useEffect, useState } from "react";
import { backend, type AddressCheck } from "../lib/backend";
import { ErrorNote } from "./ErrorNote";
import { looksLikeAddress } from "../lib/format";
import { strings } from "../lib/strings";

export function NewConversation({ onClose, onStarted }: { onClose: () => void; onStarted: (topic: string) => void }) {
  const [input, setInput] = useState("");
  const [conversationId, setConversationId] = useState("");
  const [text, setText] = useState("");
  const [check, setCheck] = useState<AddressCheck | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  // Validate as typed: the form locally, then the checksum and the network on the Rust side.
  useEffect(() => {
    setCheck(null);
    const v = input.trim();
    if (!v) return;
    if (!looksLikeAddress(v)) {
      setCheck({ address: null, problem: strings.newChat.notAnAddress, on_network: null });
      return;
    }
    let live = true;
    const t = setTimeout(() => backend.checkAddress(v).then((c) => live && setCheck(c), (e) => live && setError(e)), 250);
    return () => { live = false; clearTimeout(t); };
  }, [input]);

  const ready = check?.address && check.on_network && text.trim();
  const start = async () => {
    if (!check?.address) return;
    setBusy(true);
    try {
      const m = await backend.sendMessage({ peer: check.address, text: text.trim(), conversation_id: conversationId.trim() || null, v1: false, reply_to: null });
      onStarted(m.topic);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const t = strings.newChat;
  return (
    <form className="panel" onSubmit={(e) => { e.preventDefault(); start(); }} aria-label={t.title}>
      <h2>{t.title}</h2>
      <label htmlFor="peer-address">{t.address}</label>
      <input id="peer-address" autoFocus spellCheck={false} value={input} onChange={(e) => setInput(e.target.value)} placeholder={t.addressPlaceholder} />
      <p className="small" id="address-status" aria-live="polite">
        {check?.problem && <span className="error">{check.problem}</span>}
        {check?.address && check.on_network === false && <span className="error">{t.notOnNetwork}</span>}
        {check?.address && check.on_network && <span className="ok">{t.onNetwork}</span>}
      </p>
      <details className="advanced-fields">
        <summary>{strings.conversation.advanced}</summary>
        <label htmlFor="conversation-id">{t.conversationId}</label>
        <input id="conversation-id" value={conversationId} onChange={(e) => setConversationId(e.target.value)} placeholder={t.conversationIdPlaceholder} />
      </details>
      <label htmlFor="first-message">{t.firstMessage}</label>
      <textarea id="first-message" rows={3} value={text} onChange={(e) => setText(e.target.value)} />
      <div className="row">
        <button type="button" onClick={onClose}>{t.cancel}</button>
        <button id="start-conversation" className="primary" disabled={!ready || busy}>{busy ? t.sending : t.start}</button>
      </div>
      <ErrorNote error={error} />
    </form>
  );
}
