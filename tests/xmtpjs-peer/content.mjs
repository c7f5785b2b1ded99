// Rich content for peer.mjs: builds what `send` sends (reaction, reply, read receipt, attachment,
// remote attachment with its upload to the node) and describes what `listen` receives (loading remote
// attachments with the reference codec). Every encoding is the reference codecs' 1.1.12 own.

import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { cjsRequire, hex, sha256hex, utf8 } from "./lib.mjs";

const { ContentTypeReaction } = cjsRequire("@xmtp/content-type-reaction");
const { ContentTypeReply } = cjsRequire("@xmtp/content-type-reply");
const { ContentTypeReadReceipt } = cjsRequire("@xmtp/content-type-read-receipt");
const { AttachmentCodec, ContentTypeAttachment, RemoteAttachmentCodec, ContentTypeRemoteAttachment } = cjsRequire(
  "@xmtp/content-type-remote-attachment",
);
const { ContentTypeText } = cjsRequire("@xmtp/content-type-text");

export const ctString = (ct) => (ct ? `${ct.authorityId}/${ct.typeId}:${ct.versionMajor}.${ct.versionMinor}` : null);

/**
 * The reference RemoteAttachmentCodec refuses URLs that do not start with "https". Tests run the node on
 * http://127.0.0.1, so for such a URL this codec lets the reference encoder build the parameters with a
 * placeholder https URL and then puts the real URL's bytes in as the content (the content is just the
 * UTF-8 URL). https URLs go through the reference encoder untouched; decoding is the reference's.
 */
export class LoopbackRemoteAttachmentCodec extends RemoteAttachmentCodec {
  encode(content) {
    if (content.url.startsWith("https")) return super.encode(content);
    const encoded = super.encode({ ...content, url: "https://placeholder.invalid/" });
    return { ...encoded, content: utf8(content.url) };
  }
}

const MIME = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".txt": "text/plain",
  ".pdf": "application/pdf",
  ".json": "application/json",
};
const mimeFor = (path, given) => given || MIME[extname(path).toLowerCase()] || "application/octet-stream";

const readAttachment = (path, mime) => ({
  filename: basename(path),
  mimeType: mimeFor(path, mime),
  data: new Uint8Array(readFileSync(path)),
});

/**
 * PUT the encrypted file to BASE/attachments/v1/<digest> with the client's auth token (the one publish
 * sends: HttpApiClient's AuthCache); on 401 / code 16 the token is refreshed and the PUT tried once more.
 */
async function upload(client, base, digest, payload) {
  const url = `${base.replace(/\/+$/, "")}/attachments/v1/${digest}`;
  for (let attempt = 0; ; attempt++) {
    const token = await client.apiClient.getToken();
    const res = await fetch(url, { method: "PUT", body: payload, headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      body = { raw: text.slice(0, 200) };
    }
    if (res.ok) return { url, status: res.status, response: body };
    if (attempt === 0 && (res.status === 401 || body.code === 16)) {
      await client.apiClient.authCache.refresh();
      continue;
    }
    throw new Error(`upload PUT ${url} -> ${res.status} ${text.slice(0, 200)}`);
  }
}

/**
 * The message `send` sends, from its flags: {content, contentType, label, extra}. `extra` is merged
 * into the "sent" event (e.g. the upload's URL and digest). With --reply-to the content is wrapped in
 * a reply.
 */
export async function outgoing(args, client) {
  let content, contentType, extra = {};
  if (args.react) {
    if (!args.emoji) throw new Error("--react ID needs --emoji E");
    contentType = ContentTypeReaction;
    content = { reference: args.react, action: args.remove ? "removed" : "added", schema: "unicode", content: args.emoji };
  } else if (args["read-receipt"]) {
    contentType = ContentTypeReadReceipt;
    content = {};
  } else if (args.attachment) {
    contentType = ContentTypeAttachment;
    content = readAttachment(args.attachment, args.mime);
  } else if (args["remote-attachment"]) {
    if (!args["upload-url"]) throw new Error("--remote-attachment PATH needs --upload-url BASE");
    const file = readAttachment(args["remote-attachment"], args.mime);
    const enc = await RemoteAttachmentCodec.encodeEncrypted(file, new AttachmentCodec());
    const up = await upload(client, args["upload-url"], enc.digest, enc.payload);
    client.registerCodec(new LoopbackRemoteAttachmentCodec());
    contentType = ContentTypeRemoteAttachment;
    content = {
      url: up.url,
      contentDigest: enc.digest,
      salt: enc.salt,
      nonce: enc.nonce,
      secret: enc.secret,
      scheme: "https://",
      contentLength: file.data.byteLength,
      filename: file.filename,
    };
    extra = { upload: { url: up.url, digest: enc.digest, status: up.status, response: up.response, size: enc.payload.length }, sha256: sha256hex(file.data) };
  } else {
    contentType = ContentTypeText;
    content = args.text ?? "hello from xmtp-js";
  }
  if (args["reply-to"]) {
    content = { reference: args["reply-to"], contentType, content };
    contentType = ContentTypeReply;
  }
  return { content, contentType, extra };
}

/** True for the plain text send of old (the only kind that waits for a reply by default). */
export const isPlainText = (args) =>
  !args.react && !args["read-receipt"] && !args.attachment && !args["remote-attachment"] && !args["reply-to"];

const safeName = (name, fallbackName) => {
  const b = basename(String(name || "").replace(/\\/g, "/")).replace(/[\x00-\x1f]/g, "");
  return b && b !== "." && b !== ".." ? b : fallbackName;
};

async function attachmentFields(att, { id, remote, saveDir }) {
  const out = { filename: att.filename, mimeType: att.mimeType, size: att.data.length, sha256: sha256hex(att.data), remote };
  if (saveDir) {
    mkdirSync(saveDir, { recursive: true });
    const path = join(saveDir, safeName(att.filename, id));
    writeFileSync(path, att.data);
    out.saved = path;
  }
  return out;
}

/** The content fields of one decoded content value (recursing into a reply's inner content). */
async function contentFields(ct, content, ctx) {
  const id = ct ? `${ct.authorityId}/${ct.typeId}` : "";
  switch (id) {
    case "xmtp.org/text":
      return { text: content };
    case "xmtp.org/reaction":
      return { reference: content.reference, emoji: content.content, action: content.action, schema: content.schema };
    case "xmtp.org/reply": {
      const inner = await contentFields(content.contentType, content.content, ctx);
      return { ...inner, reference: content.reference, inner_content_type: ctString(content.contentType) };
    }
    case "xmtp.org/readReceipt":
      return {};
    case "xmtp.org/attachment":
      return { attachment: await attachmentFields(content, { ...ctx, remote: false }) };
    case "xmtp.org/remoteStaticAttachment": {
      const remote = { url: content.url, contentDigest: content.contentDigest, contentLength: content.contentLength };
      try {
        const loaded = await RemoteAttachmentCodec.load(content, ctx.client);
        return { attachment: { ...(await attachmentFields(loaded, { ...ctx, remote: true })), ...remote } };
      } catch (e) {
        return { attachment: { filename: content.filename, remote: true, ...remote, load_error: String(e.message || e) } };
      }
    }
    default:
      return {};
  }
}

/** One `listen` line for a received message (id = xmtp-js's message id, the SHA-256 of the Message). */
export async function describe(m, { client, saveDir }) {
  const fields = m.error ? { decode_error: String(m.error.message || m.error) } : await contentFields(m.contentType, m.content, { client, saveDir, id: m.id });
  return { id: m.id, sender: m.senderAddress, content_type: ctString(m.contentType), ...fields, fallback: m.contentFallback ?? null };
}
