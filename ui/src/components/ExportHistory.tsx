import { useState } from "react";
import { backend } from "../lib/backend";
import { strings } from "../lib/strings";
import { ConfirmDialog } from "./ConfirmDialog";

type Format = "html" | "jsonl";

/** Settings → Export history: every conversation and message to files readable without
 * Courier. The export is not encrypted: the user confirms that first, in an in-app dialog. */
export function ExportHistory({ onError }: { onError: (e: unknown) => void }) {
  const t = strings.export;
  const [format, setFormat] = useState<Format>("html");
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [asking, setAsking] = useState(false);
  const start = async () => {
    setAsking(false);
    setBusy(true);
    setDone(null);
    try {
      const path = await backend.exportHistory(format);
      if (path) setDone(t.done(path));
    } catch (e) {
      onError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <h3 id="export-title">{t.heading}</h3>
      <p className="small">{t.help}</p>
      <div className="row" role="group" aria-labelledby="export-title">
        <label htmlFor="export-format">{t.format}</label>
        <select id="export-format" value={format} onChange={(e) => setFormat(e.target.value as Format)}>
          <option value="html">{t.html}</option>
          <option value="jsonl">{t.jsonl}</option>
        </select>
        {/* Busy, it says so with aria-disabled rather than disabled: focus comes back to it from
            the dialog and stays (a disabled button drops focus to the page). */}
        <button id="export-history" aria-disabled={busy} onClick={() => { if (!busy) setAsking(true); }}>{busy ? t.busy : t.start}</button>
      </div>
      {asking && (
        <ConfirmDialog id="export-confirmed" title={t.confirmTitle} message={<p>{t.confirm}</p>} confirm={t.confirmed}
          onConfirm={start} onCancel={() => setAsking(false)} />
      )}
      {done && <p id="export-done" role="status" className="small">{done}</p>}
    </>
  );
}
