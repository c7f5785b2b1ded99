#!/usr/bin/env node
// Courier's own addition to the harness: the reference client's cold sync, for BENCHMARKS.md.
//   node sync-bench.mjs --api-url URL --bundle-hex HEX --mode messages|conversations
// Creates an xmtp-js 13.0.4 client from a PrivateKeyBundle (in-memory keystore: nothing cached),
// then times conversations.list() and, in "messages" mode, reading every message of every
// conversation. Prints one JSON line: {ms, conversations, messages}.
import { xmtp, unhex, parseArgs } from "./lib.mjs";
import { allCodecs } from "./checks.mjs";

const args = parseArgs(process.argv.slice(2), {});
const client = await xmtp.Client.create(null, {
  env: "local",
  apiUrl: args["api-url"],
  privateKeyOverride: unhex(args["bundle-hex"]),
  codecs: allCodecs(),
});
const t0 = performance.now();
const conversations = await client.conversations.list();
let messages = 0;
if (args.mode === "messages") {
  for (const c of conversations) messages += (await c.messages()).length;
}
const ms = performance.now() - t0;
process.stdout.write(JSON.stringify({ ms, conversations: conversations.length, messages }) + "\n");
process.exit(0);
