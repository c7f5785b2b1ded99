import { useEffect, useState } from "react";
import { backend, type AddressCheck } from "../lib/backend";
import { ErrorNote } from "./ErrorNote";
import { looksLikeAddress } from "../lib/format";

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
      setCheck({ address: null, problem: "An address is 0x followed by 40 hexadecimal digits.", on_network: null });
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

  return (
    <form className="panel" onSubmit={(e) => { e.preventDefault(); start(); }} aria-label="New conversation">
      <h2>New conversation</h2>
      <label htmlFor="peer-address">Address</label>
      <input id="peer-address" autoFocus spellCheck={false} value={input} onChange={(e) => setInput(e.target.value)} placeholder="0x…" />
      <p className="small" id="address-status" aria-live="polite">
        {check?.problem && <span className="error">{check.problem}</span>}
        {check?.address && check.on_network === false && <span className="error">This address is not on the XMTP network yet.</span>}
        {check?.address && check.on_network && <span className="ok">On the network ✓</span>}
      </p>
      <label htmlFor="conversation-id">Conversation id (optional)</label>
      <input id="conversation-id" value={conversationId} onChange={(e) => setConversationId(e.target.value)} placeholder="e.g. example.com/project" />
      <label htmlFor="first-message">First message</label>
      <textarea id="first-message" rows={3} value={text} onChange={(e) => setText(e.target.value)} />
      <div className="row">
        <button type="button" onClick={onClose}>Cancel</button>
        <button id="start-conversation" className="primary" disabled={!ready || busy}>{busy ? "Sending…" : "Start"}</button>
      </div>
      <ErrorNote error={error} />
    </form>
  );
}
