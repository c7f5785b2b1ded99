import { useState } from "react";
import { backend, type AppStatus } from "../lib/backend";
import { ErrorNote } from "./ErrorNote";
import { ConversationSettings } from "./ConversationSettings";
import { strings } from "../lib/strings";
import { LanguageSetting } from "./LanguageSetting";
import { ExportHistory } from "./ExportHistory";
import { ConfirmDialog } from "./ConfirmDialog";

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
  const [askingKey, setAskingKey] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const act = (f: () => Promise<void>) => f().catch(setError);
  const a = strings.account;
  return (
    <section className="panel" aria-labelledby="settings-title">
      <h2 id="settings-title">{strings.a11y.settings}</h2>
      <dl>
        <dt>{a.account}</dt><dd className="mono">{status.address}</dd>
        <dt>{a.node}</dt><dd id="node-in-use" className="mono">{status.node_url}{status.embedded_node ? a.builtIn : ""}</dd>
        <dt>{a.keychain}</dt>
        <dd id="keychain-in-use">{status.keychain}{status.keychain_volatile && <span className="error">{a.volatile}</span>}</dd>
        <dt>{a.profile}</dt><dd>{status.profile}</dd>
        <dt>{a.version}</dt><dd>{a.versionValue(status.version)}</dd>
      </dl>
      {status.unadopted_local_node && (
        <p id="unadopted-local-node" role="note" className="small">{strings.node.unadopted(status.unadopted_local_node)}</p>
      )}
      <form onSubmit={(e) => { e.preventDefault(); act(async () => onStatus(await backend.setNodeUrl(url.trim() || null))); }}>
        <label htmlFor="node-url">{a.nodeUrl}</label>
        <div className="row">
          <input id="node-url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder={a.nodeUrlPlaceholder} />
          <button>{a.use}</button>
        </div>
      </form>
      <Gateway status={status} onStatus={onStatus} onError={setError} />
      <ReadReceipts status={status} onStatus={onStatus} onError={setError} />
      <ConversationSettings status={status} onStatus={onStatus} onError={setError} />
      <LanguageSetting />
      <ExportHistory onError={setError} />
      <h3>{a.recovery}</h3>
      <div className="row">
        {status.recovery?.has_phrase && <button id="show-phrase" onClick={onShowPhrase}>{a.showPhrase}</button>}
        <button id="export-key" onClick={() => setAskingKey(true)}>{a.showKey}</button>
      </div>
      {askingKey && (
        <ConfirmDialog id="export-key-confirmed" title={a.showKeyTitle} message={<p>{a.showKeyConfirm}</p>} confirm={a.showKeyConfirmed} danger
          onConfirm={() => { setAskingKey(false); act(async () => setWalletKey(await backend.exportWalletKey())); }}
          onCancel={() => setAskingKey(false)} />
      )}
      {walletKey && (
        <div className="row">
          <input className="mono" readOnly value={walletKey} aria-label={a.walletKey} />
          <button onClick={() => setWalletKey(null)}>{a.hide}</button>
        </div>
      )}
      <div className="row">
        <button onClick={() => act(async () => setBackup(await backend.exportBackup()))}>{a.exportBackup}</button>
        <button id="sign-out" onClick={() => act(async () => onStatus(await backend.signOut()))}>{a.signOut}</button>
        <button id="close-settings" onClick={onClose}>{a.close}</button>
      </div>
      <p className="muted small">{a.signOutNote}</p>
      {backup && <textarea className="mono" readOnly rows={4} value={backup} aria-label={a.backup} />}
      {removing ? (
        <RemoveDialog status={status} onCancel={() => setRemoving(false)} onRemoved={onStatus} onError={setError} />
      ) : (
        <div className="row"><button id="remove-account" className="danger" onClick={() => setRemoving(true)}>{a.remove}</button></div>
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
  const t = strings.removeAccount;
  return (
    // Shown in place in Settings, not over it: not modal (the rest of Settings stays usable).
    <div className="dialog" role="dialog" aria-labelledby="remove-title" id="remove-dialog">
      <h3 id="remove-title">{t.title(address)}</h3>
      <p>{t.deletes}</p>
      <ul>
        <li>{t.keys(status.keychain)}</li>
        <li>{t.data(status.profile)}</li>
      </ul>
      <p>{t.stays}</p>
      <label className="check">
        <input type="checkbox" id="remove-confirm" checked={holds} onChange={(e) => setHolds(e.target.checked)} />
        {t.holds}
      </label>
      <div className="row">
        <button id="remove-cancel" onClick={onCancel} autoFocus>{t.cancel}</button>
        <button id="remove-confirmed" className="danger" disabled={!holds} onClick={() => backend.removeAccount(address).then(onRemoved, onError)}>
          {t.confirm}
        </button>
      </div>
    </div>
  );
}
