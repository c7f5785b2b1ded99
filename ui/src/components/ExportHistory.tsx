import { useState } from "react";
import { backend } from "../lib/backend";
import { strings } from "../lib/strings";

type Format = "html" | "jsonl";

/** Settings → Export history: every conversation and message to files readable without
 * Courier. The export is not encrypted: the user confirms that first. */
export function ExportHistory({ onError }: { onError: (e: unknown) => void }) {
  const t = strings.export;
  const [format, setFormat] = useState<Format>("html");
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const start = async () => {
    if (!window.confirm(t.confirm)) return;
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
        <button id="export-history" disabled={busy} onClick={start}>{busy ? t.busy : t.start}</button>
      </div>
      {done && <p id="export-done" role="status" className="small">{done}</p>}
    </>
  );
}
