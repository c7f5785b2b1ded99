import { useState } from "react";
import { backend, type AppStatus } from "../lib/backend";
import { ErrorNote } from "./ErrorNote";
import { strings } from "../lib/strings";

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
  const t = strings.signIn;
  return (
    <form className="import" onSubmit={(e) => { e.preventDefault(); submit(); }}>
      <label htmlFor="secret">{secret === "key" ? t.key : t.phrase}</label>
      {secret === "key" ? (
        <input id="secret" type="password" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} />
      ) : (
        <textarea id="secret" rows={3} autoComplete="off" spellCheck={false} value={value} onChange={(e) => setValue(e.target.value)} />
      )}
      <div className="row">
        <button type="button" onClick={onBack}>{t.back}</button>
        <button id="sign-in" className="primary" disabled={busy || value.trim() === ""}>{busy ? t.signingIn : t.signIn}</button>
      </div>
      <ErrorNote error={error} />
    </form>
  );
}
