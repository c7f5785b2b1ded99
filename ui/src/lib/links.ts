// Links in message text: http, https and mailto only, found in plain text. Everything else,
// `javascript:` and `data:` included, stays text. The text is never parsed as HTML.

export type Segment = { kind: "text"; text: string } | { kind: "link"; text: string; url: string };

const CANDIDATE = /\b(?:https?:\/\/|mailto:)[^\s<>"'`]+/gi;
const ALLOWED = new Set(["http:", "https:", "mailto:"]);
/** Punctuation that ends a sentence rather than a URL. */
const TRAILING = /[.,;:!?'")\]}>]+$/;

/** The URL a link opens, or null when `candidate` is not an http, https or mailto URL. */
export function safeUrl(candidate: string): string | null {
  let u: URL;
  try {
    u = new URL(candidate);
  } catch {
    return null;
  }
  if (!ALLOWED.has(u.protocol)) return null;
  if (u.protocol === "mailto:" ? u.pathname.length === 0 : u.hostname.length === 0) return null;
  return candidate;
}

/** Splits text into plain runs and links. */
export function linkify(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of text.matchAll(CANDIDATE)) {
    let raw = m[0];
    // Keep a closing bracket that closes one opened inside the URL (Wikipedia-style links).
    const trail = TRAILING.exec(raw);
    if (trail) {
      let cut = trail[0];
      if (cut.startsWith(")") && count(raw, "(") > count(raw.slice(0, -cut.length), ")")) cut = cut.slice(1);
      raw = raw.slice(0, raw.length - cut.length);
    }
    const url = safeUrl(raw);
    const start = m.index ?? 0;
    if (!url) continue;
    if (start > last) out.push({ kind: "text", text: text.slice(last, start) });
    out.push({ kind: "link", text: raw, url });
    last = start + raw.length;
  }
  if (last < text.length) out.push({ kind: "text", text: text.slice(last) });
  return out;
}

function count(s: string, c: string): number {
  let n = 0;
  for (const ch of s) if (ch === c) n++;
  return n;
}
