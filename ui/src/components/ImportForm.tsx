import { useState } from "react";
import { backend, type AppStatus } from "../lib/backend";
import { ErrorNote } from "./ErrorNote";

export type Secret = "key" | "phrase";

/** Sign in with a recovery phrase or a wallet key: the account is restored from the network. */
export function ImportForm({ secret, onDone, onBack }: { secret: Secret; onDone: (s: AppStatus) => void; onBack: () => void }) {
  const [value, setValue] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      onDone(await backend.importAccount(secret === "key" ? { wallet_key: value, phrase: null } : { wallet_key: null, phrase: value }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="import" onSubmit={(e) => { e.preventDefault(); submit(); }}>
      <label htmlFor="secret">{secret === "key" ? "Wallet private key (hex)" : "Recovery phrase (12 or 24 words)"}</label>
      {secret === "key" ? (
        <input id="secret" type="password" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} />
      ) : (
        <textarea id="secret" rows={3} autoComplete="off" spellCheck={false} value={value} onChange={(e) => setValue(e.target.value)} />
      )}
      <div className="row">
        <button type="button" onClick={onBack}>Back</button>
        <button id="sign-in" className="primary" disabled={busy || value.trim() === ""}>{busy ? "Signing in…" : "Sign in"}</button>
      </div>
      <ErrorNote error={error} />
    </form>
  );
}
