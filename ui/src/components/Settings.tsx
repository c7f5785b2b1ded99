import { useState } from "react";
import { backend, type AppStatus } from "../lib/backend";
import { ErrorNote } from "./ErrorNote";
import { ConversationSettings } from "./ConversationSettings";
import { strings } from "../lib/strings";
import { LanguageSetting } from "./LanguageSetting";
import { ExportHistory } from "./ExportHistory";

export function Settings({ status, onStatus, onClose, onShowPhrase }: {
  status: AppStatus;
  onStatus: (s: AppStatus) => void;
  onClose: () => void;
  onShowPhrase: () => void;
}) {
  const [url, setUrl] = useState(status.embedded_node ? "" : status.node_url);
  const [backup, setBackup] = useState<string | null>(null);
  const [removing, setRemoving] = useState(false);
  const [walletKey, setWalletKey] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const act = (f: () => Promise<void>) => f().catch(setError);
  return (
    <section className="panel" aria-labelledby="settings-title">
      <h2 id="settings-title">{strings.a11y.settings}</h2>
      <dl>
        <dt>Account</dt><dd className="mono">{status.address}</dd>
        <dt>Node</dt><dd id="node-in-use" className="mono">{status.node_url}{status.embedded_node ? " (built in)" : ""}</dd>
        <dt>Keychain</dt>
        <dd id="keychain-in-use">{status.keychain}{status.keychain_volatile && <span className="error"> — forgotten when this computer restarts: keep your recovery phrase</span>}</dd>
        <dt>Profile</dt><dd>{status.profile}</dd>
        <dt>Version</dt><dd>Courier {status.version}</dd>
      </dl>
      {status.unadopted_local_node && (
        <p id="unadopted-local-node" role="note" className="small">{strings.node.unadopted(status.unadopted_local_node)}</p>
      )}
      <form onSubmit={(e) => { e.preventDefault(); act(async () => onStatus(await backend.setNodeUrl(url.trim() || null))); }}>
        <label htmlFor="node-url">Node URL (empty: this computer's local network)</label>
        <div className="row">
          <input id="node-url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="http://127.0.0.1:5556" />
          <button>Use</button>
        </div>
      </form>
      <Gateway status={status} onStatus={onStatus} onError={setError} />
      <ReadReceipts status={status} onStatus={onStatus} onError={setError} />
      <ConversationSettings status={status} onStatus={onStatus} onError={setError} />
      <LanguageSetting />
      <ExportHistory onError={setError} />
      <h3>Recovery</h3>
      <div className="row">
        {status.recovery?.has_phrase && <button id="show-phrase" onClick={onShowPhrase}>Show recovery phrase</button>}
        <button id="export-key" onClick={() => {
          if (confirm("Show this account's wallet private key? Anyone who sees it owns the account and its wallet. Make sure nobody can see your screen.")) act(async () => setWalletKey(await backend.exportWalletKey()));
        }}>Show wallet private key…</button>
      </div>
      {walletKey && (
        <div className="row">
          <input className="mono" readOnly value={walletKey} aria-label="Wallet private key" />
          <button onClick={() => setWalletKey(null)}>Hide</button>
        </div>
      )}
      <div className="row">
        <button onClick={() => act(async () => setBackup(await backend.exportBackup()))}>Export encrypted backup</button>
        <button id="sign-out" onClick={() => act(async () => onStatus(await backend.signOut()))}>Sign out</button>
        <button id="close-settings" onClick={onClose}>Close</button>
      </div>
      <p className="muted small">Signing out keeps this account's keys and messages on this computer: sign in again from the start screen.</p>
      {backup && <textarea className="mono" readOnly rows={4} value={backup} aria-label="Encrypted backup" />}
      {removing ? (
        <RemoveDialog status={status} onCancel={() => setRemoving(false)} onRemoved={onStatus} onError={setError} />
      ) : (
        <div className="row"><button id="remove-account" className="danger" onClick={() => setRemoving(true)}>Remove this account from this computer…</button></div>
      )}
      <ErrorNote error={error} />
    </section>
  );
}

/** The built-in node's HTTP gateway: a switch, off by default, and where it serves. */
function Gateway({ status, onStatus, onError }: {
  status: AppStatus;
  onStatus: (s: AppStatus) => void;
  onError: (e: unknown) => void;
}) {
  const t = strings.gateway;
  const [busy, setBusy] = useState(false);
  const toggle = (enabled: boolean) => {
    setBusy(true);
    backend.setHttpGateway(enabled).then(onStatus, onError).finally(() => setBusy(false));
  };
  return (
    <section aria-labelledby="http-gateway-heading">
      <h3 id="http-gateway-heading">{t.heading}</h3>
      <label className="check">
        <input type="checkbox" role="switch" id="http-gateway" aria-describedby="http-gateway-help"
          checked={status.http_gateway_enabled} disabled={busy}
          onChange={(e) => toggle(e.target.checked)} />
        {t.label}
      </label>
      <p id="http-gateway-help" className="muted small">{t.help}</p>
      {status.http_gateway_enabled && (
        <p id="http-gateway-status" role="status" className="small">
          {status.http_gateway ? t.servingAt(status.http_gateway) : t.notBuiltIn}
        </p>
      )}
    </section>
  );
}

/** Whether read receipts are sent: a switch, on by default. */
function ReadReceipts({ status, onStatus, onError }: {
  status: AppStatus;
  onStatus: (s: AppStatus) => void;
  onError: (e: unknown) => void;
}) {
  const t = strings.receipts;
  const [busy, setBusy] = useState(false);
  const toggle = (enabled: boolean) => {
    setBusy(true);
    backend.setReadReceipts(enabled).then(onStatus, onError).finally(() => setBusy(false));
  };
  return (
    <section aria-labelledby="read-receipts-heading">
      <h3 id="read-receipts-heading">{t.heading}</h3>
      <label className="check">
        <input type="checkbox" role="switch" id="read-receipts" aria-describedby="read-receipts-help"
          checked={status.read_receipts} disabled={busy}
          onChange={(e) => toggle(e.target.checked)} />
        {t.label}
      </label>
      <p id="read-receipts-help" className="muted small">{t.help}</p>
    </section>
  );
}

/** Removing asks first, says exactly what goes, and needs the user to hold the phrase or key. */
function RemoveDialog({ status, onCancel, onRemoved, onError }: {
  status: AppStatus;
  onCancel: () => void;
  onRemoved: (s: AppStatus) => void;
  onError: (e: unknown) => void;
}) {
  const [holds, setHolds] = useState(false);
  const address = status.address ?? "";
  return (
    <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="remove-title" id="remove-dialog">
      <h3 id="remove-title">Remove {address} from this computer?</h3>
      <p>This deletes:</p>
      <ul>
        <li>the account's keys in this computer's keychain ({status.keychain}): its XMTP identity and its recovery phrase or wallet key;</li>
        <li>its conversations, messages and drafts stored on this computer (profile "{status.profile}").</li>
      </ul>
      <p>It stays on the XMTP network. Its recovery phrase or wallet key restores it, with the history the node still holds. Without them it is gone for good.</p>
      <label className="check">
        <input type="checkbox" id="remove-confirm" checked={holds} onChange={(e) => setHolds(e.target.checked)} />
        I have this account's recovery phrase or wallet key.
      </label>
      <div className="row">
        <button id="remove-cancel" onClick={onCancel} autoFocus>Cancel</button>
        <button id="remove-confirmed" className="danger" disabled={!holds} onClick={() => backend.removeAccount(address).then(onRemoved, onError)}>
          Remove from this computer
        </button>
      </div>
    </div>
  );
}
