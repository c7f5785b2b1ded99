import { useState } from "react";
import { backend, type AppStatus } from "../lib/backend";
import { ErrorNote } from "./ErrorNote";

type Mode = "choose" | "key" | "phrase";

export function Onboarding({ onDone }: { onDone: (s: AppStatus) => void }) {
  const [mode, setMode] = useState<Mode>("choose");
  const [value, setValue] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const run = async (f: () => Promise<AppStatus>) => {
    setBusy(true);
    setError(null);
    try {
      onDone(await f());
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="onboarding">
      <h1>Welcome to Courier</h1>
      <p className="muted">Private messages over XMTP. Your keys stay in this computer's keychain.</p>
      {mode === "choose" && (
        <div className="choices">
          <button id="create-account" className="primary" disabled={busy} onClick={() => run(backend.createAccount)}>
            {busy ? "Creating…" : "Create a new account"}
          </button>
          <button id="import-key" onClick={() => setMode("key")}>Use a wallet private key</button>
          <button id="import-phrase" onClick={() => setMode("phrase")}>Use a recovery phrase</button>
          <p className="muted small">An account that already uses XMTP is restored from its encrypted backup on the network.</p>
        </div>
      )}
      {mode !== "choose" && (
        <form
          className="import"
          onSubmit={(e) => {
            e.preventDefault();
            run(() => backend.importAccount(mode === "key" ? { wallet_key: value, phrase: null } : { wallet_key: null, phrase: value }));
          }}
        >
          <label htmlFor="secret">{mode === "key" ? "Wallet private key (hex)" : "Recovery phrase (12 or 24 words)"}</label>
          {mode === "key" ? (
            <input id="secret" type="password" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} />
          ) : (
            <textarea id="secret" rows={3} autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} />
          )}
          <div className="row">
            <button type="button" onClick={() => { setMode("choose"); setValue(""); }}>Back</button>
            <button className="primary" disabled={busy || value.trim() === ""}>{busy ? "Signing in…" : "Sign in"}</button>
          </div>
        </form>
      )}
      <ErrorNote error={error} />
    </main>
  );
}
