import { useState } from "react";
import { backend, type AppStatus } from "../lib/backend";
import { shortAddress } from "../lib/format";
import { ErrorNote } from "./ErrorNote";
import { strings } from "../lib/strings";
import { ImportForm, type Secret } from "./ImportForm";
import { useStrings } from "../lib/i18n";

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
  const t = useStrings().onboarding;

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
      <img className="app-icon" src="/icon.png" alt="" width={96} height={96} />
      <h1>{t.welcome}</h1>
      <p className="muted">{t.intro}</p>
      {status.keychain_volatile && (
        <p className="warning" id="volatile-keychain">
          {t.volatile}
        </p>
      )}
      {mode === "choose" && (
        <div className="choices">
          {status.accounts.length > 0 && (
            <section aria-labelledby="here-title" className="here">
              <h2 id="here-title" className="small muted">{t.here}</h2>
              {status.accounts.map((a) => (
                <button key={a} className="account" data-address={a} title={a} disabled={busy} onClick={() => run(() => backend.signIn(a))}>
                  {t.signInAs} <span className="mono">{shortAddress(a)}</span>
                </button>
              ))}
            </section>
          )}
          <button id="create-account" className="primary" disabled={busy} onClick={() => run(backend.createAccount, onCreated)}>
            {busy ? t.creating : t.create}
          </button>
          <button id="import-phrase" onClick={() => setMode("phrase")}>{t.phrase}</button>
          <button id="import-key" onClick={() => setMode("key")}>{t.key}</button>
          <p className="muted small">{t.restore}</p>
        </div>
      )}
      {mode !== "choose" && <ImportForm secret={mode} onDone={onDone} onBack={() => setMode("choose")} />}
      <ErrorNote error={error} />
      {onCancel && <button id="back-to-account" className="link" onClick={onCancel}>{strings.accounts.backToAccount}</button>}
    </main>
  );
}
