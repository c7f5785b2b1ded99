#!/usr/bin/env node
// Live check of peer.mjs's rich content through a real node: peer A sends B a text, a reply, a
// reaction, a read receipt, an inline attachment, a remote attachment, a reply holding an attachment
// and a reaction removal; B
// listens (with --save-dir) and every message must arrive with the id A's send printed, its content
// type and fields, and every attachment with the sha256 of the file A sent, saved byte for byte.
//
// Usage: node rich-check.mjs (--courier PATH | --api-url URL) [--upload-url BASE] [--keep DIR]
//   --courier PATH  start `PATH node` on free ports with a temporary database (stopped at the end)
//   --api-url URL   use a running node instead
//   --upload-url    where remote attachments go (default: the node, if it serves PUT /attachments/v1;
//                   otherwise a small in-process stand-in server implementing that contract's PUT/GET,
//                   which checks the digest and the Bearer token's signatures as the node would, and
//                   records whose it is; not its age nor anything else of the node's policy)
// Exit 0 when every check passed; prints one line per check.

import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "./lib.mjs";
import { checkAuthToken } from "./checks.mjs";

const args = parseArgs(process.argv.slice(2));
const dir = args.keep || mkdtempSync(join(tmpdir(), "rich-check-"));
const sha = (b) => createHash("sha256").update(b).digest("hex");
const here = new URL(".", import.meta.url).pathname;
const children = [];
let failures = 0;
const check = (ok, what) => {
  console.log(`${ok ? "PASS" : "FAIL"} ${what}`);
  if (!ok) failures++;
};

function lines(child, onLine) {
  let buf = "";
  child.stdout.on("data", (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      onLine(l);
    }
  });
}

async function startNode() {
  const db = join(dir, "node.db");
  const child = spawn(args.courier, ["node", "--db", db, "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("node did not say where it listens")), 30_000);
    // "courier node ready: grpc=127.0.0.1:P http=127.0.0.1:Q"
    const onData = (d) => {
      const m = /ready: .*http=(127\.0\.0\.1:\d+)/.exec(String(d));
      if (m) {
        clearTimeout(timer);
        resolve(`http://${m[1]}`);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (c) => reject(new Error(`node exited ${c}`)));
  });
}

/** A stand-in for the node's attachment store (contract section 1): PUT/GET /attachments/v1/<digest>. */
function blobServer() {
  const blobs = new Map();
  const uploaders = [];
  const server = createServer((req, res) => {
    const m = /^\/attachments\/v1\/([0-9a-f]{64})$/.exec(req.url);
    const json = (code, o) => res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(o));
    if (!m) return json(404, { code: 5, message: "not found" });
    if (req.method === "GET") {
      const b = blobs.get(m[1]);
      return b ? res.writeHead(200, { "content-type": "application/octet-stream" }).end(b) : json(404, { code: 5, message: "no such blob" });
    }
    if (req.method !== "PUT") return json(405, { code: 12, message: "method" });
    const bearer = /^Bearer ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization || "");
    let who;
    try {
      who = checkAuthToken({ token_base64: bearer[1] }).wallet_address;
    } catch (e) {
      return json(401, { code: 16, message: `bad token: ${e.message}` });
    }
    const parts = [];
    req.on("data", (d) => parts.push(d));
    req.on("end", () => {
      const body = Buffer.concat(parts);
      if (sha(body) !== m[1]) return json(400, { code: 3, message: "digest mismatch" });
      const isNew = !blobs.has(m[1]);
      blobs.set(m[1], body);
      uploaders.push(who);
      json(isNew ? 201 : 200, { url: `http://127.0.0.1:${server.address().port}${req.url}`, size: body.length });
    });
  });
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r({ server, uploaders, url: `http://127.0.0.1:${server.address().port}` })));
}

function peer(state, argv, onLine) {
  const child = spawn("node", [join(here, "peer.mjs"), "--api-url", apiUrl, "--state", join(dir, state), ...argv], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const events = [];
  lines(child, (l) => {
    try {
      const e = JSON.parse(l);
      events.push(e);
      onLine?.(e);
    } catch {}
  });
  const done = new Promise((r) => child.on("exit", (code) => r({ code, events })));
  return { child, done };
}

let apiUrl = args["api-url"];
let stand;
try {
  if (!apiUrl) apiUrl = await startNode();
  console.log(`node ${apiUrl}, files in ${dir}`);
  let uploadUrl = args["upload-url"];
  if (!uploadUrl) {
    const probe = await fetch(`${apiUrl}/attachments/v1/${"0".repeat(64)}`, { method: "PUT", body: "x" });
    if (probe.status === 404 || probe.status === 405) {
      stand = await blobServer();
      uploadUrl = stand.url;
      console.log(`the node has no /attachments/v1 (PUT -> ${probe.status}): using the stand-in blob server ${uploadUrl}`);
    } else uploadUrl = apiUrl;
  }

  const a = (await peer("a.json", ["whoami"]).done).events[0].address;
  const b = (await peer("b.json", ["whoami"]).done).events[0].address;
  const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");
  writeFileSync(join(dir, "pixel.png"), png);
  const big = randomBytes(600 * 1024);
  writeFileSync(join(dir, "big file.bin"), big);

  let listening;
  const ready = new Promise((r) => (listening = r));
  const listener = peer("b.json", ["listen", "--count", "8", "--timeout", "180", "--save-dir", join(dir, "saved")], (e) => e.event === "listening" && listening());
  await ready;

  const send = async (...argv) => {
    const { code, events } = await peer("a.json", ["send", "--to", b, "--wait-reply", "0", ...argv]).done;
    const sent = events.find((e) => e.event === "sent");
    check(code === 0 && sent?.id, `A sent ${argv.join(" ").slice(0, 60)} -> ${sent?.content_type} ${sent?.id}`);
    return sent;
  };
  const text = await send("--text", "hello rich world");
  const reply = await send("--text", "a reply", "--reply-to", text.id);
  const react = await send("--react", text.id, "--emoji", "👍");
  const receipt = await send("--read-receipt");
  const att = await send("--attachment", join(dir, "pixel.png"));
  const remote = await send("--remote-attachment", join(dir, "big file.bin"), "--upload-url", uploadUrl);
  const replyAtt = await send("--attachment", join(dir, "pixel.png"), "--reply-to", remote.id);
  const unreact = await send("--react", text.id, "--emoji", "👍", "--remove");

  const { code, events } = await listener.done;
  check(code === 0, `B listened for 8 messages (exit ${code})`);
  const got = new Map(events.filter((e) => e.event === "message").map((e) => [e.id, e]));
  const expect = (sent, what, pred) => {
    const m = got.get(sent?.id);
    check(!!m && m.sender === a && pred(m), `B got ${what} with A's id ${sent?.id?.slice(0, 12)}…: ${JSON.stringify(m && { ...m, message: undefined }).slice(0, 300)}`);
  };
  expect(text, "text", (m) => m.content_type === "xmtp.org/text:1.0" && m.text === "hello rich world");
  expect(reply, "reply", (m) => m.content_type === "xmtp.org/reply:1.0" && m.reference === text.id && m.text === "a reply");
  expect(react, "reaction", (m) => m.content_type === "xmtp.org/reaction:1.0" && m.reference === text.id && m.emoji === "👍" && m.action === "added");
  expect(receipt, "read receipt", (m) => m.content_type === "xmtp.org/readReceipt:1.0");
  expect(att, "attachment", (m) => m.attachment?.filename === "pixel.png" && m.attachment.mimeType === "image/png" && m.attachment.sha256 === sha(png) && m.attachment.size === png.length);
  expect(remote, "remote attachment", (m) => m.content_type === "xmtp.org/remoteStaticAttachment:1.0" && m.attachment?.remote && m.attachment.sha256 === sha(big) && m.attachment.filename === "big file.bin");
  expect(replyAtt, "reply with an attachment inside", (m) => m.content_type === "xmtp.org/reply:1.0" && m.reference === remote.id && m.inner_content_type === "xmtp.org/attachment:1.0" && m.attachment?.sha256 === sha(png));
  expect(unreact, "reaction removal", (m) => m.action === "removed" && m.reference === text.id);
  check(remote?.upload?.url?.startsWith(uploadUrl) && remote.sha256 === sha(big), `upload went to ${remote?.upload?.url} (${remote?.upload?.status})`);
  if (stand) check(stand.uploaders.length === 1 && stand.uploaders[0] === a, `the stand-in got A's own auth token (${stand.uploaders})`);
  check(sha(readFileSync(join(dir, "saved", "big file.bin"))) === sha(big), "B saved the remote file byte for byte");
  check(sha(readFileSync(join(dir, "saved", "pixel.png"))) === sha(png), "B saved the inline attachment byte for byte");
} catch (e) {
  check(false, String(e.stack || e));
} finally {
  for (const c of children) if (c.exitCode === null) c.kill();
  stand?.server.close();
  if (!args.keep) rmSync(dir, { recursive: true, force: true });
}
console.log(failures ? `${failures} failed` : "all passed");
process.exit(failures ? 1 : 0);
