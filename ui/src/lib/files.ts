// Attachments on the page: which show inline, sizes for people, bytes for the backend.

const INLINE_IMAGES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/** The thumbnail box (px): images are fitted into it, and it is reserved before they load. */
export const THUMB = 180;

/** Whether a MIME type is shown as an image (others are files with Save). SVG never is. */
export function isInlineImage(mime: string): boolean {
  return INLINE_IMAGES.has(mime.toLowerCase().split(";")[0].trim());
}

/** 1536 → "1.5 KB". */
export function humanSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "?";
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** A file's bytes as the backend's `data` takes them. */
export async function fileBytes(f: Blob): Promise<number[]> {
  const buf = typeof f.arrayBuffer === "function" ? await f.arrayBuffer() : await readWithReader(f);
  return Array.from(new Uint8Array(buf));
}

function readWithReader(f: Blob): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result as ArrayBuffer);
    r.onerror = () => reject(r.error);
    r.readAsArrayBuffer(f);
  });
}

/** A name for a pasted file that has none (clipboard images are often "image.png" or empty). */
export function pastedName(f: File, now: Date = new Date()): string {
  if (f.name && f.name !== "image.png") return f.name;
  const ext = f.type.split("/")[1]?.replace("jpeg", "jpg") ?? "bin";
  const stamp = `${now.getFullYear()}${String(now.getMonth() + 1).padStart(2, "0")}${String(now.getDate()).padStart(2, "0")}-${String(now.getHours()).padStart(2, "0")}${String(now.getMinutes()).padStart(2, "0")}${String(now.getSeconds()).padStart(2, "0")}`;
  return `pasted-${stamp}.${ext}`;
}
