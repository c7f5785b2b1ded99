import { useEffect, useRef, useState } from "react";
import { backend, errorMessage, type MessageView } from "../lib/backend";
import { humanSize, isInlineImage } from "../lib/files";
import { strings } from "../lib/strings";
import { ImageViewer } from "./ImageViewer";

// Object URLs of images shown lately, by message id: rows scrolled out and back in do not ask for
// the bytes again. Bounded: the oldest are revoked.
const CACHE_SIZE = 64;
const urls = new Map<string, string>();

function remember(id: string, url: string) {
  urls.set(id, url);
  while (urls.size > CACHE_SIZE) {
    const [oldest, old] = urls.entries().next().value as [string, string];
    urls.delete(oldest);
    URL.revokeObjectURL(old);
  }
}

async function imageUrl(id: string, mime: string): Promise<string> {
  const hit = urls.get(id);
  if (hit) return hit;
  const bytes = await backend.attachmentBytes(id);
  const url = URL.createObjectURL(new Blob([bytes], { type: mime }));
  remember(id, url);
  return url;
}

/**
 * A message's attachment: an image (png, jpeg, gif, webp) as a thumbnail in a box of fixed size
 * (so the row's height is known before it loads), other files as name, size and Save. A remote
 * attachment not yet on this computer waits for the user's Download (the backend refuses it for
 * requests and blocked peers, and says so).
 */
export function Attachment({ m }: { m: MessageView }) {
  const a = m.attachment!;
  const image = isInlineImage(a.mime_type);
  const [wanted, setWanted] = useState(a.available);
  const [url, setUrl] = useState<string | null>(() => (image ? urls.get(m.id) ?? null : null));
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const thumb = useRef<HTMLButtonElement>(null);
  const size = humanSize(a.size);

  useEffect(() => {
    if (!image || !(wanted || a.available) || url) return;
    let live = true;
    setBusy(true);
    imageUrl(m.id, a.mime_type)
      .then((u) => { if (live) setUrl(u); }, (e) => { if (live) setError(errorMessage(e)); })
      .finally(() => { if (live) setBusy(false); });
    return () => { live = false; };
  }, [image, wanted, a.available, a.mime_type, m.id, url]);

  const download = () => {
    setError(null);
    if (image) {
      setWanted(true);
      return;
    }
    setBusy(true);
    backend.attachmentBytes(m.id).then(() => setWanted(true), (e) => setError(errorMessage(e))).finally(() => setBusy(false));
  };
  const save = () => {
    setError(null);
    backend.saveAttachment(m.id).then((p) => setNote(p ? strings.attachment.saved(p) : null), (e) => setError(errorMessage(e)));
  };
  const have = a.available || wanted;

  if (image && have) {
    return (
      <div className="attachment image">
        <button ref={thumb} type="button" className="thumb" aria-label={strings.attachment.open(a.filename)} title={a.filename}
          disabled={!url} onClick={() => setOpen(true)}>
          {url ? <img src={url} alt={strings.attachment.image(a.filename)} /> : <span className="muted small">{error ?? strings.attachment.loading}</span>}
        </button>
        {open && url && <ImageViewer url={url} name={a.filename} opener={thumb.current} onClose={() => setOpen(false)} />}
      </div>
    );
  }
  return (
    <div className="attachment file">
      <span className="file-name" title={a.filename}>📎 {strings.attachment.file(a.filename, size)}</span>
      {have ? (
        <button type="button" aria-label={strings.attachment.saveLabel(a.filename)} onClick={save}>{strings.attachment.save}</button>
      ) : (
        <button type="button" aria-label={strings.attachment.downloadLabel(a.filename, size)} disabled={busy} onClick={download}>
          {busy ? strings.attachment.loading : strings.attachment.download}
        </button>
      )}
      {note && <span role="status" className="muted small">{note}</span>}
      {error && <span role="alert" className="error small">{error}</span>}
    </div>
  );
}
