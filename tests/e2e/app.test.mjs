// End to end in a real window: the built Courier app under Xvfb, driven through tauri-driver and
// WebKitWebDriver with plain WebDriver HTTP calls, against a real `courier node` process and a
// `courier` CLI peer. Run by tests/e2e/run.sh (inside Xvfb and a D-Bus session with a keyring).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const APP = process.env.COURIER_APP;
const CLI = process.env.COURIER_CLI;
const SHOTS = process.env.COURIER_SCREENSHOTS;
assert.ok(APP && CLI && SHOTS, "COURIER_APP, COURIER_CLI and COURIER_SCREENSHOTS must be set (tests/e2e/run.sh does)");
const WD = "http://127.0.0.1:4444";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let node, driver, session, grpc, alice;
const work = mkdtempSync(join(tmpdir(), "courier-e2e-"));
const bobDir = join(work, "bob");
const profile = join(work, "profile");
const cli = (...args) => execFileSync(CLI, ["--data-dir", bobDir, "--node", grpc, ...args], { encoding: "utf8" }).trim();

async function wd(method, path, body) {
  const res = await fetch(WD + path, { method, headers: { "content-type": "application/json" }, body: body ? JSON.stringify(body) : undefined });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json.value)}`);
  return json.value;
}
const s = (path) => `/session/${session}${path}`;
const find = async (css) => Object.values(await wd("POST", s("/element"), { using: "css selector", value: css }))[0];
const findAll = async (css) => (await wd("POST", s("/elements"), { using: "css selector", value: css })).map((e) => Object.values(e)[0]);
/** The first element matching `css` (whose text contains `text`, if given), waiting for it. */
async function waitFor(css, { timeout = 20000, text } = {}) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try {
      for (const el of await findAll(css)) {
        if (!text) return el;
        last = await wd("GET", s(`/element/${el}/text`));
        if (last.includes(text)) return el;
      }
    } catch (e) {
      last = String(e);
    }
    await sleep(200);
  }
  await shot(`failed-${css.replace(/[^a-z0-9]+/gi, "_")}`).catch(() => {});
  throw new Error(`timed out waiting for ${css}${text ? ` with ${JSON.stringify(text)}` : ""} (last: ${last})`);
}
/** Presses keys through the Actions API (modifiers held as told). */
async function keys(steps) {
  await wd("POST", s("/actions"), { actions: [{ type: "key", id: "keyboard", actions: steps.map(([type, value]) => ({ type, value })) }] });
  await wd("DELETE", s("/actions"));
}
const click = async (css) => wd("POST", s(`/element/${await waitFor(css)}/click`), {});
const type = async (css, text) => wd("POST", s(`/element/${await waitFor(css)}/value`), { text });
const attr = async (css, name) => wd("GET", s(`/element/${await find(css)}/attribute/${name}`));
async function shot(name) {
  mkdirSync(SHOTS, { recursive: true });
  writeFileSync(join(SHOTS, `${name}.png`), Buffer.from(await wd("GET", s("/screenshot")), "base64"));
}

before(async () => {
  node = spawn(CLI, ["node", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--db", join(work, "node.db")], { stdio: ["ignore", "pipe", "ignore"] });
  const line = await new Promise((resolve) => node.stdout.once("data", (d) => resolve(String(d))));
  grpc = "http://" + /grpc=(\S+)/.exec(line)[1];
  // The app's profile points at this node (as a user would in Settings).
  mkdirSync(profile, { recursive: true });
  writeFileSync(join(profile, "settings.json"), JSON.stringify({ node_url: grpc }));
  driver = spawn("tauri-driver", ["--native-driver", "/usr/bin/WebKitWebDriver"], {
    stdio: "ignore",
    env: { ...process.env, COURIER_DATA_DIR: profile },
  });
  for (let i = 0; i < 50; i++) {
    try { await fetch(WD + "/status"); break; } catch { await sleep(100); }
  }
  const t0 = Date.now();
  session = (await wd("POST", "/session", { capabilities: { alwaysMatch: { "tauri:options": { application: APP } } } })).sessionId;
  await waitFor("#create-account");
  console.log(`# app launched and showed onboarding in ${Date.now() - t0} ms`);
});

after(async () => {
  try { if (session) await wd("DELETE", s("")); } catch {}
  driver?.kill();
  node?.kill();
});

test("create an account, talk to a CLI peer through a real node", async () => {
  await shot("1-onboarding");
  await click("#create-account");
  await waitFor("#copy-address");
  alice = readdirSync(join(profile, "data", "accounts"))[0];
  assert.match(alice, /^0x[0-9a-fA-F]{40}$/);

  const bob = cli("account", "create");
  await click("#new-conversation");
  await type("#peer-address", "0x1234");
  await waitFor("#address-status", { text: "40 hexadecimal digits" });
  await click("#peer-address");
  await wd("POST", s(`/element/${await find("#peer-address")}/clear`), {});
  await type("#peer-address", "0x00000000000000000000000000000000000000e2");
  await waitFor("#address-status", { text: "not on the XMTP network" });
  await wd("POST", s(`/element/${await find("#peer-address")}/clear`), {});
  await type("#peer-address", bob.toLowerCase());
  await waitFor("#address-status", { text: "On the network" });
  await type("#first-message", "Hello from the Courier app");
  await shot("2-new-conversation");
  await click("#start-conversation");
  // Delivery state: the bubble reaches "sent".
  const bubble = await waitFor(".bubble.mine", { text: "Hello from the Courier app" });
  for (let i = 0; i < 50 && (await wd("GET", s(`/element/${bubble}/attribute/data-state`))) !== "sent"; i++) await sleep(200);
  assert.equal(await wd("GET", s(`/element/${bubble}/attribute/data-state`)), "sent");

  // The CLI peer reads it and answers; the app shows the answer live.
  cli("sync");
  assert.match(cli("messages", alice), /Hello from the Courier app/);
  cli("send", alice, "Hi app, this is the CLI");
  await waitFor(".bubble.theirs", { text: "Hi app, this is the CLI" });
  // Enter sends, Shift+Enter makes a new line.
  await type("#composer", "two");
  await keys([["keyDown", "\uE008"], ["keyDown", "\uE007"], ["keyUp", "\uE007"], ["keyUp", "\uE008"]]); // Shift+Enter
  await type("#composer", "lines");
  assert.equal(await wd("GET", s(`/element/${await find("#composer")}/property/value`)), "two\nlines", "Shift+Enter made a new line");
  await keys([["keyDown", "\uE007"], ["keyUp", "\uE007"]]); // Enter sends
  await waitFor(".bubble.mine", { text: "two\nlines" });
  await shot("3-conversation");

  // A new thread from the peer arrives with an unread badge.
  cli("send", alice, "A separate thread", "--conversation-id", "courier.test/e2e");
  await waitFor(".conversation .badge", { text: "1" });
  assert.equal(await attr(".conversation .badge", "aria-label"), "1 unread");
  await shot("4-unread-badge");
  cli("sync");
  assert.match(cli("messages", alice), /two\nlines/);

  // Settings: the same version as `courier --version`.
  await click("#open-settings");
  const version = execFileSync(CLI, ["--version"], { encoding: "utf8" }).trim().split(" ").pop();
  await waitFor(".panel dd", { text: `Courier ${version}` });
});
