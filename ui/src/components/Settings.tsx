import { useState } from "react";
import { backend, type AppStatus } from "../lib/backend";
import { ErrorNote } from "./ErrorNote";

export function Settings({ status, onStatus, onClose }: { status: AppStatus; onStatus: (s: AppStatus) => void; onClose: () => void }) {
  const [url, setUrl] = useState(status.embedded_node ? "" : status.node_url);
  const [backup, setBackup] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const act = (f: () => Promise<void>) => f().catch(setError);
  return (
    <div className="panel" aria-label="Settings">
      <h2>Settings</h2>
      <dl>
        <dt>Account</dt><dd className="mono">{status.address}</dd>
        <dt>Node</dt><dd id="node-in-use" className="mono">{status.node_url}{status.embedded_node ? " (built in)" : ""}</dd>
        <dt>Keychain</dt><dd>{status.keychain}</dd>
        <dt>Profile</dt><dd>{status.profile}</dd>
        <dt>Version</dt><dd>Courier {status.version}</dd>
      </dl>
      <form onSubmit={(e) => { e.preventDefault(); act(async () => onStatus(await backend.setNodeUrl(url.trim() || null))); }}>
        <label htmlFor="node-url">Node URL (empty: this computer's local network)</label>
        <div className="row">
          <input id="node-url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="http://127.0.0.1:5556" />
          <button>Use</button>
        </div>
      </form>
      <div className="row">
        <button onClick={() => act(async () => setBackup(await backend.exportBackup()))}>Export encrypted backup</button>
        <button className="danger" onClick={() => { if (confirm("Sign out and remove this account's keys from this computer? Keep your wallet key: it restores everything.")) act(async () => onStatus(await backend.signOut())); }}>Sign out</button>
        <button id="close-settings" onClick={onClose}>Close</button>
      </div>
      {backup && <textarea className="mono" readOnly rows={4} value={backup} aria-label="Encrypted backup" />}
      <ErrorNote error={error} />
    </div>
  );
}
