#!/usr/bin/env node
// Generates ../vectors/xmtp-js/content_codecs.json: EncodedContent bytes for reactions, replies, read
// receipts, attachments and remote attachments exactly as the reference produces them when sending:
// xmtp-js 13.0.4's Client.encodeContent (codec.encode, then the codec's fallback, then optional
// compression) with the content-type codecs 1.1.12 from node_modules. After generating, every case is
// re-opened with Client.decodeContent (the verifier's own check) and the remote attachment is fetched
// back through RemoteAttachmentCodec.load (fetch answered in-process for https://example.com/a).
//
// Usage: node content-vectors.mjs [--out FILE]   (default ../vectors/xmtp-js/content_codecs.json)
//
// Inputs are fixed; the only randomness is RemoteAttachmentCodec.encodeEncrypted's own (secret, salt,
// nonce), so a rerun changes only the remote-attachment cases. The file is generated once and committed.

import { writeFileSync, readFileSync } from "node:fs";
import { createHash, createDecipheriv, hkdfSync } from "node:crypto";
import { xmtp, proto, hex, unhex, utf8, sha256hex, parseArgs, cjsRequire, XMTPJS_VERSION, PROTO_VERSION } from "./lib.mjs";
import { viewerClient, contentJson, contentTypeJson, runCase } from "./checks.mjs";

const { ContentTypeReaction } = cjsRequire("@xmtp/content-type-reaction");
const { ContentTypeReply } = cjsRequire("@xmtp/content-type-reply");
const { ContentTypeReadReceipt } = cjsRequire("@xmtp/content-type-read-receipt");
const { AttachmentCodec, ContentTypeAttachment, RemoteAttachmentCodec, ContentTypeRemoteAttachment } = cjsRequire(
  "@xmtp/content-type-remote-attachment",
);
// the text codec xmtp-js 13.0.4 registers by default (its own dependency)
const { ContentTypeText } = cjsRequire("@xmtp/content-type-text");
const { EncodedContent, Compression } = proto.content;

const args = parseArgs(process.argv.slice(2));
const outPath = args.out || new URL("../vectors/xmtp-js/content_codecs.json", import.meta.url).pathname;
const vectorsDir = new URL("../vectors/xmtp-js/", import.meta.url).pathname;
const identities = JSON.parse(readFileSync(vectorsDir + "identities.json", "utf8")).identities;
const codecVersion = (name) => JSON.parse(readFileSync(new URL(`node_modules/${name}/package.json`, import.meta.url), "utf8")).version;

// A real client (alice of identities.json on an in-process fake network): its encodeContent is the
// exact code xmtp-js runs inside Conversation.send.
const client = await viewerClient(identities.alice);

// ---------------------------------------------------------------- fixed inputs
const ref = (label) => createHash("sha256").update(`courier content vector target|${label}`).digest("hex");
const REF_TEXT = ref("text");
const REF_IMAGE = ref("image");
// a real 1x1 RGBA PNG (70 bytes)
const PNG = new Uint8Array(
  Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64"),
);
const png = { filename: "pixel.png", mimeType: "image/png", data: PNG };
// 3000 deterministic bytes for the remote attachment
const REMOTE_DATA = new Uint8Array(Buffer.concat(Array.from({ length: 94 }, (_, i) => createHash("sha256").update(`remote|${i}`).digest())).subarray(0, 3000));
const remoteInner = { filename: "report 2024.bin", mimeType: "application/octet-stream", data: REMOTE_DATA };
const REMOTE_URL = "https://example.com/a";

// ---------------------------------------------------------------- helpers
const ctString = (ct) => `${ct.authorityId}/${ct.typeId}:${ct.versionMajor}.${ct.versionMinor}`;

function encodedJson(bytes) {
  const e = EncodedContent.decode(bytes);
  const hasCompression = e.compression !== undefined && e.compression !== null;
  return {
    type: contentTypeJson(e.type),
    parameters: { ...e.parameters },
    content_hex: hex(e.content),
    fallback: e.fallback ?? null,
    compression: hasCompression ? e.compression : null,
    compression_name: hasCompression ? Compression[e.compression] : null,
  };
}

const cases = [];
/** One case through Client.encodeContent (codec.encode + fallback + optional compression). */
async function viaClient(id, description, contentType, content, opts = {}) {
  const { payload, shouldPush } = await client.encodeContent(content, { contentType, ...opts });
  const decoded = await client.decodeContent(payload);
  cases.push({
    id,
    kind: "encoded_content",
    description,
    expect: "accept",
    built_by: "Client.encodeContent" + (opts.compression !== undefined ? ` (compression ${Compression[opts.compression]})` : ""),
    content_type: ctString(contentType),
    encoded_content_hex: hex(payload),
    encoded_content: encodedJson(payload),
    expected: {
      content_type: contentTypeJson(decoded.contentType),
      content: contentJson(decoded.contentType, decoded.content),
      fallback: decoded.contentFallback ?? null,
    },
    should_push: shouldPush,
    fallback: decoded.contentFallback ?? null,
  });
  return { payload, decoded };
}

// ---------------------------------------------------------------- cases
const thumbs = { reference: REF_TEXT, action: "added", schema: "unicode", content: "👍" };
await viaClient("reaction-added-unicode", "reaction added, Unicode emoji 👍 (schema unicode)", ContentTypeReaction, thumbs);
await viaClient("reaction-removed-unicode", "reaction removed, Unicode emoji 👍", ContentTypeReaction, { ...thumbs, action: "removed" });
await viaClient("reaction-added-shortcode", "reaction added with schema shortcode (:thumbsup:)", ContentTypeReaction, {
  ...thumbs,
  schema: "shortcode",
  content: ":thumbsup:",
});

// Legacy form: the fields as parameters and the bare emoji as content (what early V2 apps sent). The
// 1.1.12 codec only decodes it (its JSON.parse of the content fails, so it reads the parameters);
// the bytes are built with the reference's proto encoder, with no fallback.
{
  const legacy = EncodedContent.encode({
    type: ContentTypeReaction,
    parameters: { action: "added", reference: REF_TEXT, schema: "unicode", encoding: "UTF-8" },
    content: utf8("👍"),
  }).finish();
  const decoded = await client.decodeContent(legacy);
  cases.push({
    id: "reaction-legacy-parameters",
    kind: "encoded_content",
    description: "legacy reaction: action/reference/schema/encoding as parameters, bare UTF-8 emoji as content, no fallback",
    expect: "accept",
    built_by: "proto EncodedContent.encode by hand (no 1.1.12 encoder makes this form)",
    content_type: ctString(ContentTypeReaction),
    encoded_content_hex: hex(legacy),
    encoded_content: encodedJson(legacy),
    expected: {
      content_type: contentTypeJson(decoded.contentType),
      content: contentJson(decoded.contentType, decoded.content),
      fallback: null,
    },
    should_push: false,
    fallback: null,
  });
}

await viaClient("reply-text", "reply whose inner content is text", ContentTypeReply, {
  reference: REF_TEXT,
  contentType: ContentTypeText,
  content: "sounds good",
});
await viaClient("reply-attachment", "reply whose inner content is an attachment (the 1x1 PNG)", ContentTypeReply, {
  reference: REF_IMAGE,
  contentType: ContentTypeAttachment,
  content: png,
});
await viaClient("reply-reaction-nested", "reply whose inner content is a reaction (nested; the inner has no fallback)", ContentTypeReply, {
  reference: REF_TEXT,
  contentType: ContentTypeReaction,
  content: { ...thumbs, content: "🎉" },
});
await viaClient("read-receipt", "read receipt (empty content, no fallback)", ContentTypeReadReceipt, {});
await viaClient("attachment-png", "inline attachment: a real 1x1 PNG", ContentTypeAttachment, png);
await viaClient("attachment-non-ascii-filename", "inline attachment whose filename is not ASCII", ContentTypeAttachment, {
  filename: "Grüße – 日本 🎉.txt",
  mimeType: "text/plain; charset=utf-8",
  data: utf8("héllo wörld\n"),
});
await viaClient(
  "attachment-deflate",
  "inline attachment sent with compression DEFLATE (zlib format; xmtp-js decodes at most 1000 bytes)",
  ContentTypeAttachment,
  { filename: "lines.txt", mimeType: "text/plain", data: utf8("line of text\n".repeat(40)) },
  { compression: Compression.COMPRESSION_DEFLATE },
);

// Remote attachment: the reference's own encryption of the attachment, then the message that points at it.
const enc = await RemoteAttachmentCodec.encodeEncrypted(remoteInner, new AttachmentCodec());
const plain = (() => {
  const key = Buffer.from(hkdfSync("sha256", enc.secret, enc.salt, new Uint8Array(0), 32));
  const p = Buffer.from(enc.payload);
  const d = createDecipheriv("aes-256-gcm", key, enc.nonce);
  d.setAuthTag(p.subarray(p.length - 16));
  return { key, bytes: Buffer.concat([d.update(p.subarray(0, p.length - 16)), d.final()]) };
})();
const remote = {
  url: REMOTE_URL,
  contentDigest: enc.digest,
  salt: enc.salt,
  nonce: enc.nonce,
  secret: enc.secret,
  scheme: "https://",
  contentLength: remoteInner.data.byteLength,
  filename: remoteInner.filename,
};
await viaClient("remote-attachment", `remote attachment (remoteStaticAttachment) at ${REMOTE_URL}; its encrypted file is in "encrypted"`, ContentTypeRemoteAttachment, remote);
const remoteCase = cases[cases.length - 1];
remoteCase.encrypted = {
  produced_by: "RemoteAttachmentCodec.encodeEncrypted(attachment, new AttachmentCodec())",
  payload_hex: hex(enc.payload),
  digest: enc.digest,
  secret_hex: hex(enc.secret),
  salt_hex: hex(enc.salt),
  nonce_hex: hex(enc.nonce),
  derived_aes_key_hex: hex(plain.key),
  inner_encoded_content_hex: hex(plain.bytes),
  inner_encoded_content: encodedJson(plain.bytes),
  inner_expected: { filename: remoteInner.filename, mimeType: remoteInner.mimeType, data_hex: hex(remoteInner.data), data_sha256: sha256hex(remoteInner.data) },
};

// ---------------------------------------------------------------- self-check with the reference
let failures = 0;
for (const c of cases) {
  const r = await runCase(c, null, { identities });
  if (!r.ok) {
    failures++;
    console.error(`FAIL ${c.id}: ${r.error || r.mismatches.join("; ")}`);
  }
}
{
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (url) => {
    if (url !== REMOTE_URL) throw new Error("unexpected fetch " + url);
    return new Response(enc.payload);
  };
  const decoded = (await client.decodeContent(unhex(remoteCase.encoded_content_hex))).content;
  const loaded = await RemoteAttachmentCodec.load(decoded, client);
  globalThis.fetch = realFetch;
  const got = { filename: loaded.filename, mimeType: loaded.mimeType, data_hex: hex(loaded.data), data_sha256: sha256hex(loaded.data) };
  if (JSON.stringify(got) !== JSON.stringify(remoteCase.encrypted.inner_expected)) {
    failures++;
    console.error("FAIL remote-attachment: RemoteAttachmentCodec.load returned", got.filename, got.mimeType);
  }
  if (sha256hex(enc.payload) !== enc.digest) failures++;
}
if (failures) process.exit(1);

const file = {
  description:
    "EncodedContent bytes of reactions, replies, read receipts, attachments and remote attachments exactly as the reference encodes them when sending (xmtp-js Client.encodeContent: codec.encode + fallback + optional compression), with what the reference codecs decode from them.",
  schema_version: 1,
  generator: {
    package: "@xmtp/xmtp-js",
    version: XMTPJS_VERSION,
    protobuf_package: `@xmtp/proto ${PROTO_VERSION}`,
    codecs: Object.fromEntries(
      ["reaction", "reply", "read-receipt", "remote-attachment"].map((n) => [`@xmtp/content-type-${n}`, codecVersion(`@xmtp/content-type-${n}`)]),
    ),
    node: process.version,
    script: "tests/xmtpjs-peer/content-vectors.mjs",
    deterministic: "all inputs fixed; the remote attachment's secret, salt and nonce come from RemoteAttachmentCodec.encodeEncrypted's own randomness (generated once)",
  },
  references: { text_message_id: REF_TEXT, image_message_id: REF_IMAGE },
  cases,
};
writeFileSync(outPath, JSON.stringify(file, null, 1) + "\n");
console.log(`wrote ${cases.length} cases to ${outPath}; all re-opened with xmtp-js ${XMTPJS_VERSION}`);
