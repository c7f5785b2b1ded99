import { useState } from "react";
import { backend, type AppStatus, type ErrorCode } from "../lib/backend";
import { explain } from "../lib/errors";
import { ErrorNote } from "./ErrorNote";
import { ImportForm, type Secret } from "./ImportForm";
import { strings } from "../lib/strings";
import { ConfirmDialog } from "./ConfirmDialog";

/** What Courier shows when it could not start as it should: what is wrong, and what to do. */
export function Recovery({ status, onStatus }: { status: AppStatus; onStatus: (s: AppStatus) => void }) {
  const problem = status.problem;
  const [signIn, setSignIn] = useState<Secret | null>(null);
  const [url, setUrl] = useState(status.embedded_node ? "" : status.node_url);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [confirmingStore, setConfirmingStore] = useState(false);
  if (!problem) return null;
  const { message, hint } = explain(problem);
  const run = async (f: () => Promise<AppStatus>) => {
    setBusy(true);
    setError(null);
    try {
      onStatus(await f());
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const offers = recoveries(problem.code);
  const t = strings.recovery;
  return (
    <main className="onboarding recovery" aria-labelledby="recovery-title">
      <h1 id="recovery-title">{t.title}</h1>
      <div className="error" role="alert" id="start-problem" data-code={problem.code}>
        <p>{message}</p>
        {hint && <p className="small">{hint}</p>}
      </div>
      {signIn ? (
        <ImportForm secret={signIn} onDone={onStatus} onBack={() => setSignIn(null)} />
      ) : (
        <div className="choices">
          {offers.signIn && (
            <>
              <button id="recover-phrase" className="primary" onClick={() => setSignIn("phrase")}>{t.withPhrase}</button>
              <button id="recover-key" onClick={() => setSignIn("key")}>{t.withKey}</button>
            </>
          )}
          {offers.node && (
            <form onSubmit={(e) => { e.preventDefault(); run(() => backend.setNodeUrl(url.trim() || null)); }}>
              <label htmlFor="recovery-node-url">{strings.account.nodeUrl}</label>
              <div className="row">
                <input id="recovery-node-url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder={strings.account.nodeUrlPlaceholder} />
                <button id="recovery-use-node" disabled={busy}>{strings.account.use}</button>
              </div>
            </form>
          )}
          {offers.freshStore && (
            <button
              id="recover-store"
              className="primary"
              aria-disabled={busy}
              onClick={() => { if (!busy) setConfirmingStore(true); }}
            >
              {busy ? t.trying : strings.storeRecovery.start}
            </button>
          )}
          <button id="retry-start" className={offers.signIn || offers.node || offers.freshStore ? "" : "primary"} disabled={busy} onClick={() => run(backend.retryStart)}>
            {busy ? t.trying : t.tryAgain}
          </button>
        </div>
      )}
      {confirmingStore && (
        <ConfirmDialog id="recover-store-confirmed" title={strings.storeRecovery.confirmTitle} message={<p>{strings.storeRecovery.confirm}</p>}
          confirm={strings.storeRecovery.confirmed} danger
          onConfirm={() => { setConfirmingStore(false); run(backend.recoverStore); }} onCancel={() => setConfirmingStore(false)} />
      )}
      <ErrorNote error={error} />
    </main>
  );
}

/** Which ways out a start problem offers, by its code. */
function recoveries(code: ErrorCode): { signIn: boolean; node: boolean; freshStore: boolean } {
  switch (code) {
    case "keys_missing":
    case "no_account":
      return { signIn: true, node: false, freshStore: false };
    case "node":
      return { signIn: false, node: true, freshStore: false };
    case "store_unreadable":
      return { signIn: false, node: false, freshStore: true };
    case "keychain":
    case "store_too_new":
    case "internal":
    case "bad_input":
    case "not_found":
    case "not_on_network":
    case "attachment_not_asked":
    case "attachment_blocked":
    case "attachment_unsafe":
    case "attachment_transfer":
      return { signIn: false, node: false, freshStore: false };
  }
}
