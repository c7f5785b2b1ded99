import { useState } from "react";
import { backend, type AppStatus } from "../lib/backend";
import { shortAddress } from "../lib/format";
import { ErrorNote } from "./ErrorNote";
import { strings } from "../lib/strings";
import { ImportForm, type Secret } from "./ImportForm";

export function Onboarding({ status, onDone, onCreated, onCancel }: {
  status: AppStatus;
  onDone: (s: AppStatus) => void;
  /** A new account: its phrase is shown next. */
  onCreated: (s: AppStatus) => void;
  /** Adding an account while one is open: back to it. */
  onCancel?: () => void;
}) {
  const [mode, setMode] = useState<"choose" | Secret>("choose");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const run = async (f: () => Promise<AppStatus>, then: (s: AppStatus) => void = onDone) => {
    setBusy(true);
    setError(null);
    try {
      then(await f());
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
      {status.keychain_volatile && (
        <p className="warning" id="volatile-keychain">
          Keys are kept in the kernel keyring, which forgets them when this computer restarts. Keep your recovery phrase: it signs you in again.
        </p>
      )}
      {mode === "choose" && (
        <div className="choices">
          {status.accounts.length > 0 && (
            <section aria-labelledby="here-title" className="here">
              <h2 id="here-title" className="small muted">On this computer</h2>
              {status.accounts.map((a) => (
                <button key={a} className="account" data-address={a} title={a} disabled={busy} onClick={() => run(() => backend.signIn(a))}>
                  Sign in as <span className="mono">{shortAddress(a)}</span>
                </button>
              ))}
            </section>
          )}
          <button id="create-account" className="primary" disabled={busy} onClick={() => run(backend.createAccount, onCreated)}>
            {busy ? "Creating…" : "Create a new account"}
          </button>
          <button id="import-phrase" onClick={() => setMode("phrase")}>Use a recovery phrase</button>
          <button id="import-key" onClick={() => setMode("key")}>Use a wallet private key</button>
          <p className="muted small">An account that already uses XMTP is restored from its encrypted backup on the network.</p>
        </div>
      )}
      {mode !== "choose" && <ImportForm secret={mode} onDone={onDone} onBack={() => setMode("choose")} />}
      <ErrorNote error={error} />
      {onCancel && <button id="back-to-account" className="link" onClick={onCancel}>{strings.accounts.backToAccount}</button>}
    </main>
  );
}
