// End to end in a real window: the built Courier app under Xvfb, driven through tauri-driver and
// WebKitWebDriver with plain WebDriver HTTP calls, against a real `courier node` process and a
// `courier` CLI peer. Run by tests/e2e/run.sh (inside Xvfb and a D-Bus session with a keyring).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { deflateSync } from "node:zlib";
import { NUDGE, UNNUDGE } from "./nudge.mjs";

const APP = process.env.COURIER_APP;
const CLI = process.env.COURIER_CLI;
const SHOTS = process.env.COURIER_SCREENSHOTS;
assert.ok(APP && CLI && SHOTS, "COURIER_APP, COURIER_CLI and COURIER_SCREENSHOTS must be set (tests/e2e/run.sh does)");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let node, grpc, alice, bob, app, phrase;
const work = mkdtempSync(join(tmpdir(), "courier-e2e-"));
const bobDir = join(work, "bob");
const profile = join(work, "profile");
const cli = (...args) => execFileSync(CLI, ["--data-dir", bobDir, "--node", grpc, ...args], { encoding: "utf8" }).trim();

/** A loopback port free right now. */
const freePort = () => new Promise((resolve, reject) => {
  const srv = createServer().listen(0, "127.0.0.1", () => {
    const { port } = srv.address();
    srv.close(() => resolve(port));
  }).on("error", reject);
});

/**
 * One app window: a tauri-driver (and its WebKitWebDriver) on free ports that starts the app with
 * the profile folder `dataDir`, and plain WebDriver HTTP calls into its session.
 */
async function launch(dataDir) {
  const [port, nativePort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${port}`;
  // A driver left over from another run would start the app with its own profile.
  if (await fetch(base + "/status").then(() => true, () => false)) throw new Error(`something already answers at ${base}: a stale tauri-driver?`);
  const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort), "--native-driver", "/usr/bin/WebKitWebDriver"], {
    stdio: "ignore",
    env: { ...process.env, COURIER_DATA_DIR: dataDir },
  });
  for (let i = 0; i < 50; i++) {
    try { await fetch(base + "/status"); break; } catch { await sleep(100); }
  }
  async function wd(method, path, body, { timeout } = {}) {
    const res = await fetch(base + path, { method, headers: { "content-type": "application/json" }, body: body ? JSON.stringify(body) : undefined, signal: timeout ? AbortSignal.timeout(timeout) : undefined });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json.value)}`);
    return json.value;
  }
  const session = (await wd("POST", "/session", { capabilities: { alwaysMatch: { "tauri:options": { application: APP } } } })).sessionId;
  const s = (path) => `/session/${session}${path}`;
  const c = {
    s,
    wd,
    find: async (css) => Object.values(await wd("POST", s("/element"), { using: "css selector", value: css }))[0],
    findAll: async (css) => (await wd("POST", s("/elements"), { using: "css selector", value: css })).map((e) => Object.values(e)[0]),
    /** The first element matching `css` (whose text contains `text`, if given), waiting for it. */
    async waitFor(css, { timeout = 20000, text } = {}) {
      const end = Date.now() + timeout;
      let last;
      while (Date.now() < end) {
        try {
          for (const el of await c.findAll(css)) {
            if (!text) return el;
            last = await wd("GET", s(`/element/${el}/text`));
            if (last.includes(text)) return el;
          }
        } catch (e) {
          last = String(e);
        }
        await sleep(200);
      }
      await c.shot(`failed-${basename(dataDir)}-${css.replace(/[^a-z0-9]+/gi, "_")}`).catch(() => {});
      throw new Error(`timed out waiting for ${css}${text ? ` with ${JSON.stringify(text)}` : ""} (last: ${last})`);
    },
    /** Presses keys through the Actions API (modifiers held as told). */
    async keys(steps) {
      await wd("POST", s("/actions"), { actions: [{ type: "key", id: "keyboard", actions: steps.map(([type, value]) => ({ type, value })) }] });
      await wd("DELETE", s("/actions"));
    },
    click: async (css) => wd("POST", s(`/element/${await c.waitFor(css)}/click`), {}),
    /** A click from script: WebKitWebDriver places pointer clicks without the page zoom. */
    jsClick: async (css) => {
      await c.waitFor(css);
      return wd("POST", s("/execute/sync"), { script: `document.querySelector(${JSON.stringify(css)}).click(); return 1;`, args: [] });
    },
    type: async (css, text) => wd("POST", s(`/element/${await c.waitFor(css)}/value`), { text }),
    clear: async (css) => wd("POST", s(`/element/${await c.find(css)}/clear`), {}),
    attr: async (css, name) => wd("GET", s(`/element/${await c.find(css)}/attribute/${name}`)),
    async shot(name) {
      mkdirSync(SHOTS, { recursive: true });
      // WebKitWebDriver has been seen to never answer a screenshot (issue #14's UI): fail in 60 s, not 5 min.
      // It answers after the page's next frame; a page that is still (the onboarding, which
      // fits the window) makes none, so a 1 px, near-transparent dot changes for the while.
      await wd("POST", s("/execute/sync"), { script: NUDGE, args: [] });
      const data = await wd("GET", s("/screenshot"), undefined, { timeout: 60000 }).catch((e) => {
        throw new Error(`screenshot ${name}: WebDriver did not answer (${e.message})`);
      }).finally(() => wd("POST", s("/execute/sync"), { script: UNNUDGE, args: [] }).catch(() => {}));
      writeFileSync(join(SHOTS, `${name}.png`), Buffer.from(data, "base64"));
    },
    async close() {
      try { await wd("DELETE", s("")); } catch {}
      driver.kill();
    },
  };
  return c;
}


/** The recovery phrase shown on the phrase screen, word by word. */
async function phraseWords(c) {
  await c.waitFor("#phrase-words li");
  return c.wd("POST", c.s("/execute/sync"), { script: "return [...document.querySelectorAll('#phrase-words li')].map((li) => li.textContent)", args: [] });
}

/** Picks back the three words the phrase check asks for, and confirms. */
async function confirmPhrase(c, words) {
  await c.click("#phrase-written");
  await c.waitFor(".question");
  await c.wd("POST", c.s("/execute/sync"), {
    script: `const words = arguments[0];
      for (const q of document.querySelectorAll('.question')) {
        const n = Number(q.querySelector('legend').textContent.replace('Word #', '')) - 1;
        q.querySelector('button[data-word="' + words[n] + '"]').click();
      }
      return 1;`,
    args: [words],
  });
  await c.click("#phrase-check");
}

/** A PNG of `w`×`h` pixels: a diagonal gradient between two RGB colours (no npm package). */
function png(w, h, [r1, g1, b1], [r2, g2, b2]) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, "ascii");
    data.copy(out, 8);
    out.writeUInt32BE(crc(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const t = (x / w + y / h) / 2;
      const o = y * (w * 3 + 1) + 1 + x * 3;
      [raw[o], raw[o + 1], raw[o + 2]] = [r1 + (r2 - r1) * t, g1 + (g2 - g1) * t, b1 + (b2 - b1) * t].map(Math.round);
    }
  }
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

/** Runs `script` (a function body) in the page with `args`; its return value. */
const run = (c, script, ...args) => c.wd("POST", c.s("/execute/sync"), { script, args });

/** axe-core, from npm (ui/node_modules), injected into the page by script. */
const AXE = readFileSync(new URL("../../ui/node_modules/axe-core/axe.min.js", import.meta.url), "utf8");
/** Every screen checked, with what axe found there (serious or critical only; for the report). */
const axeReport = [];

/**
 * axe-core on the screen as it is now, in the light and the dark theme (data-theme on <html>,
 * which the stylesheet honours as it does prefers-color-scheme): no serious or critical
 * violation of WCAG 2.1 A/AA or of axe's best practices. Screenshots `shot` in dark too, if given.
 */
async function axe(c, screen, { shot } = {}) {
  if (!(await run(c, "return typeof window.axe === 'object'"))) await run(c, `${AXE}\nreturn typeof window.axe;`);
  const problems = [];
  for (const theme of ["light", "dark"]) {
    await run(c, "document.documentElement.dataset.theme = arguments[0]; return 1;", theme);
    await sleep(150);
    if (theme === "dark" && shot) await c.shot(`${shot}-dark`);
    const result = await c.wd("POST", c.s("/execute/async"), {
      script: `const done = arguments[arguments.length - 1];
        window.axe.run(document, { resultTypes: ["violations"] }).then(
          (r) => done(r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " — " + (n.failureSummary || "").replace(/\s+/g, " ").slice(0, 200)) }))),
          (e) => done([{ id: "axe-error", impact: "critical", help: String(e), nodes: [] }]));`,
      args: [],
    });
    for (const v of result) problems.push({ theme, ...v });
  }
  await run(c, "delete document.documentElement.dataset.theme; return 1;");
  axeReport.push({ screen, problems: problems.length });
  assert.deepEqual(problems, [], `axe on ${screen}: ${JSON.stringify(problems, null, 1)}`);
}

/** Waits until `script` (run in the page) returns something truthy; that value. */
async function until(c, what, script, ...args) {
  for (let i = 0; i < 100; i++) {
    const v = await run(c, script, ...args);
    if (v) return v;
    await sleep(200);
  }
  await c.shot(`failed-${what.replace(/[^a-z0-9]+/gi, "_")}`).catch(() => {});
  const alerts = await run(c, "return [...document.querySelectorAll('[role=alert]')].map((a) => a.textContent).join(' | ')").catch(String);
  throw new Error(`timed out waiting for ${what} (alerts: ${alerts || "none"})`);
}

/** The reaction chips under the bubble of message `id`, as "emoji count" strings. */
const CHIPS = `const b = document.querySelector('.bubble[data-id="' + arguments[0] + '"]');
  if (!b) return null;
  return [...b.closest('.message').querySelectorAll('.reactions .chip')].map((c) => c.textContent.replace(/\\s+/g, ' ').trim() + (c.classList.contains('mine') ? ' mine' : ''));`;

/** The CLI peer's view of the conversation with the app: one object per message. */
const peerMessages = () => cli("--json", "messages", alice).split("\n").filter(Boolean).map((l) => JSON.parse(l));

/** Waits until the bubble element `el` reports delivery state `state`. */
async function delivered(c, el, state = "sent") {
  for (let i = 0; i < 50 && (await c.wd("GET", c.s(`/element/${el}/attribute/data-state`))) !== state; i++) await sleep(200);
  assert.equal(await c.wd("GET", c.s(`/element/${el}/attribute/data-state`)), state);
}

before(async () => {
  node = spawn(CLI, ["node", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--db", join(work, "node.db")], { stdio: ["ignore", "pipe", "ignore"] });
  const line = await new Promise((resolve) => node.stdout.once("data", (d) => resolve(String(d))));
  grpc = "http://" + /grpc=(\S+)/.exec(line)[1];
  // The app's profile points at this node (as a user would in Settings).
  mkdirSync(profile, { recursive: true });
  writeFileSync(join(profile, "settings.json"), JSON.stringify({ node_url: grpc }));
  const t0 = Date.now();
  app = await launch(profile);
  await app.waitFor("#create-account");
  console.log(`# app launched and showed onboarding in ${Date.now() - t0} ms`);
});

after(async () => {
  console.log(`# axe (serious or critical, light and dark): ${axeReport.map((r) => `${r.screen} ${r.problems}`).join(", ")}`);
  await app?.close();
  node?.kill();
});

test("create an account, talk to a CLI peer through a real node", async () => {
  await app.shot("1-onboarding");
  // Centred, with the app's icon, and no scrollbar: neither the document nor the onboarding's
  // own scroller (which scrolls only in a window too small for it) overflows at 1280×800.
  const onboarding = await run(app, `const m = document.querySelector('.onboarding'); const icon = m.querySelector('.app-icon');
    const r = icon.getBoundingClientRect();
    return { scroll: document.documentElement.scrollHeight - innerHeight, own: m.scrollHeight - m.clientHeight,
      icon: icon && icon.complete && icon.naturalWidth > 0, off: Math.round(r.left + r.width / 2 - innerWidth / 2), top: Math.round(r.top) };`);
  assert.equal(onboarding.scroll, 0, "the document does not scroll on the onboarding");
  assert.equal(onboarding.own, 0, "the onboarding fits the window: nothing to scroll");
  assert.ok(Math.abs(onboarding.off) <= 1 && onboarding.top > 48, `the onboarding is centred: ${JSON.stringify(onboarding)}`);
  assert.ok(onboarding.icon, "the onboarding shows the app's icon");
  await axe(app, "onboarding", { shot: "1-onboarding" });
  await app.click("#create-account");
  // The account is made from a recovery phrase, shown at once and checked before it is used.
  phrase = await phraseWords(app);
  assert.equal(phrase.length, 12, "12 words");
  await app.shot("7-recovery-phrase");
  await axe(app, "recovery phrase");
  await confirmPhrase(app, phrase);
  await app.waitFor("#copy-address");
  assert.equal((await app.findAll("#phrase-reminder")).length, 0, "no reminder once the phrase is confirmed");
  alice = readdirSync(join(profile, "data", "accounts"))[0];
  assert.match(alice, /^0x[0-9a-fA-F]{40}$/);

  bob = cli("account", "create");
  await app.click("#new-conversation");
  await app.type("#peer-address", "0x1234");
  await app.waitFor("#address-status", { text: "40 hexadecimal digits" });
  await app.click("#peer-address");
  await app.clear("#peer-address");
  await app.type("#peer-address", "0x00000000000000000000000000000000000000e2");
  await app.waitFor("#address-status", { text: "not on the XMTP network" });
  await app.clear("#peer-address");
  await app.type("#peer-address", bob.toLowerCase());
  await app.waitFor("#address-status", { text: "On the network" });
  await app.type("#first-message", "Hello from the Courier app");
  await app.shot("2-new-conversation");
  await axe(app, "new conversation");
  await app.click("#start-conversation");
  // Delivery state: the bubble reaches "sent".
  const bubble = await app.waitFor(".bubble.mine", { text: "Hello from the Courier app" });
  await delivered(app, bubble);

  // The CLI peer reads it and answers; the app shows the answer live.
  cli("sync");
  assert.match(cli("messages", alice), /Hello from the Courier app/);
  cli("send", alice, "Hi app, this is the CLI");
  await app.waitFor(".bubble.theirs", { text: "Hi app, this is the CLI" });
  // Enter sends, Shift+Enter makes a new line.
  await app.type("#composer", "two");
  await app.keys([["keyDown", "\uE008"], ["keyDown", "\uE007"], ["keyUp", "\uE007"], ["keyUp", "\uE008"]]); // Shift+Enter
  await app.type("#composer", "lines");
  assert.equal(await app.wd("GET", app.s(`/element/${await app.find("#composer")}/property/value`)), "two\nlines", "Shift+Enter made a new line");
  await app.keys([["keyDown", "\uE007"], ["keyUp", "\uE007"]]); // Enter sends
  await app.waitFor(".bubble.mine", { text: "two\nlines" });
  await app.shot("3-conversation");
  await axe(app, "conversation list and thread", { shot: "3-conversation" });
  // Messages are list items that say who sent them and when; the thread is no live region.
  const items = await run(app, `const l = document.querySelector('.scroller [role=list]');
    return { live: document.querySelector('.scroller').getAttribute('aria-live'), spoken: [...l.querySelectorAll('[role=listitem] .bubble > .sr-only:first-child')].map((s) => s.textContent) };`);
  assert.equal(items.live, null, "the thread is not a live region");
  assert.ok(items.spoken.length >= 3 && items.spoken.every((t) => /^(you|0x[0-9a-f]{4}…[0-9a-f]{4}), .+:/i.test(t.trim())), `each message says who and when: ${items.spoken}`);
  // The live region announced the peer's message (not the app's own).
  assert.match(await run(app, "return document.querySelector('#announcer').textContent"), /^New message from 0x[0-9a-f]{4}…[0-9a-f]{4}: Hi app, this is the CLI$/i);
  // Right to left: the same layout mirrored by logical properties (the list on the right, own
  // bubbles on the left), then back.
  const sides = `const r = (q) => document.querySelector(q).getBoundingClientRect();
    const s = r('.scroller'), m = r('.bubble.mine'), t = r('.bubble.theirs');
    return { sidebarRight: r('.sidebar').left > r('.main').left, mineStart: Math.round(m.left - s.left), mineEnd: Math.round(s.right - m.right), theirsStart: Math.round(t.left - s.left), theirsEnd: Math.round(s.right - t.right) };`;
  const ltr = await run(app, sides);
  await run(app, "document.documentElement.dir = 'rtl'; return 1;");
  await sleep(200);
  const rtl = await run(app, sides);
  await app.shot("rtl-conversation");
  await run(app, "document.documentElement.dir = 'ltr'; return 1;");
  assert.ok(!ltr.sidebarRight && rtl.sidebarRight, `the list moves to the right in RTL: ${JSON.stringify({ ltr, rtl })}`);
  assert.ok(ltr.mineEnd < ltr.mineStart && rtl.mineStart < rtl.mineEnd, `own bubbles sit at the inline end: ${JSON.stringify({ ltr, rtl })}`);
  assert.ok(ltr.theirsStart < ltr.theirsEnd && rtl.theirsEnd < rtl.theirsStart, `their bubbles sit at the inline start: ${JSON.stringify({ ltr, rtl })}`);

  // A new thread from the peer arrives with an unread badge.
  cli("send", alice, "A separate thread", "--conversation-id", "courier.test/e2e");
  await app.waitFor(".conversation .badge", { text: "1" });
  assert.equal(await app.attr(".conversation .badge", "aria-label"), "1 unread");
  await app.shot("4-unread-badge");
  cli("sync");
  assert.match(cli("messages", alice), /two\nlines/);

  // Keyboard: Ctrl+K finds the separate thread by its context, Alt+↑/↓ and Ctrl+1…9 step
  // through the list, Ctrl+/ shows every shortcut and Escape puts the focus back.
  const CTRL = "\uE009", ALT = "\uE00A", UP = "\uE013", DOWN = "\uE015", ESC = "\uE00C", ENTER = "\uE007";
  const chord = (mod, key) => app.keys([["keyDown", mod], ["keyDown", key], ["keyUp", key], ["keyUp", mod]]);
  const openPeer = () => run(app, "const b = document.querySelector('.conversation[aria-current=true]'); return b && (b.querySelector('.context')?.textContent ?? '');");
  await app.click("#composer");
  await chord(CTRL, "k");
  await app.waitFor("#quick-switcher-input");
  assert.equal(await run(app, "return document.activeElement.id"), "quick-switcher-input", "focus moves into the switcher");
  await axe(app, "quick switcher");
  await app.type("#quick-switcher-input", "e2e");
  await app.keys([["keyDown", ENTER], ["keyUp", ENTER]]);
  await until(app, "the e2e thread opened by the switcher", "const b = document.querySelector('.conversation[aria-current=true]'); return b && b.querySelector('.context')?.textContent.includes('e2e');");
  const order = await run(app, "return [...document.querySelectorAll('.conversation')].map((b) => b.querySelector('.context')?.textContent ?? '')");
  const at = order.findIndex((t) => t.includes("e2e"));
  await chord(ALT, at === 0 ? DOWN : UP);
  await until(app, "Alt+arrow to the other conversation", "const b = document.querySelector('.conversation[aria-current=true]'); return b && !b.querySelector('.context')?.textContent.includes('e2e');");
  await chord(CTRL, String(at + 1));
  await until(app, "Ctrl+digit to the e2e thread", "const b = document.querySelector('.conversation[aria-current=true]'); return b && b.querySelector('.context')?.textContent.includes('e2e');");
  assert.ok((await openPeer()).includes("e2e"));
  await app.click("#composer");
  await chord(CTRL, "/");
  await app.waitFor("#shortcut-help", { text: "Ctrl" });
  assert.equal(await run(app, "return document.activeElement.id"), "close-shortcuts", "focus moves into the help sheet");
  await app.shot("11-shortcuts");
  await axe(app, "shortcut help", { shot: "11-shortcuts" });
  await app.keys([["keyDown", ESC], ["keyUp", ESC]]);
  await until(app, "the help sheet closed", "return !document.querySelector('#shortcut-help')");
  assert.equal(await until(app, "the focus back in the composer", "return document.activeElement.id === 'composer' && 'composer'"), "composer");

  // Settings: the same version as `courier --version`.
  await app.click("#open-settings");
  const version = execFileSync(CLI, ["--version"], { encoding: "utf8" }).trim().split(" ").pop();
  await app.waitFor(".panel dd", { text: `Courier ${version}` });
  assert.ok(await run(app, "return document.querySelector('.panel').contains(document.activeElement)"), "focus moves into the settings panel");
  await axe(app, "settings");
  // German from the Settings menu: the app speaks it at once, and English again.
  await run(app, "const s = document.querySelector('#language'); s.value = 'de'; s.dispatchEvent(new Event('change', { bubbles: true })); return 1;");
  await app.waitFor("#tab-messages", { text: "Nachrichten" });
  assert.equal(await run(app, "return document.documentElement.lang"), "de");
  await app.shot("settings-de");
  await axe(app, "settings in German");
  await run(app, "const s = document.querySelector('#language'); s.value = ''; s.dispatchEvent(new Event('change', { bubbles: true })); return 1;");
  await app.waitFor("#tab-messages", { text: "Messages" });
  await app.keys([["keyDown", "\uE00C"], ["keyUp", "\uE00C"]]);
  await until(app, "settings closed by Escape, focus back on its button", "return !document.querySelector('.panel') && document.activeElement.id === 'open-settings'");

  // Readable at 200% zoom: Ctrl+= five times (110, 125, 150, 175, 200%) halves the CSS
  // viewport; the open conversation then fills the window, nothing overflows sideways, the
  // composer stays in view.
  const view = () => app.wd("POST", app.s("/execute/sync"), {
    script: "const c = document.querySelector('#composer').getBoundingClientRect(); return { w: innerWidth, scroll: document.documentElement.scrollWidth, composer: c.bottom <= innerHeight && c.right <= innerWidth && c.width > 100 };",
    args: [],
  });
  const before = await view();
  for (let i = 0; i < 5; i++) await app.keys([["keyDown", "\uE009"], ["keyDown", "="], ["keyUp", "="], ["keyUp", "\uE009"]]);
  let zoomed = await view();
  for (let i = 0; i < 20 && zoomed.w > before.w * 0.6; i++) { await sleep(100); zoomed = await view(); }
  assert.ok(Math.abs(zoomed.w - before.w / 2) <= 2, `200% zoom halves the viewport: ${before.w} -> ${zoomed.w}`);
  assert.ok(zoomed.scroll <= zoomed.w, `nothing overflows sideways at 200%: ${zoomed.scroll} > ${zoomed.w}`);
  assert.ok(zoomed.composer, "the composer is in view at 200%");
  await app.shot("6-zoom-200");
  const kept = () => JSON.parse(readFileSync(join(profile, "settings.json"), "utf8")).zoom;
  assert.equal(kept(), 2, "the zoom is kept for the profile");
  // One pane at a time: back to the list, and the conversation opens again from it.
  await app.jsClick("#back");
  await app.waitFor(".conversation");
  assert.equal((await view().catch(() => null)), null, "the thread is closed on the list pane");
  await app.jsClick(".conversation");
  await app.waitFor("#composer");
  await app.keys([["keyDown", "\uE009"], ["keyDown", "0"], ["keyUp", "0"], ["keyUp", "\uE009"]]);
  for (let i = 0; i < 20 && kept() !== undefined; i++) await sleep(100);
  assert.equal(kept(), undefined, "Ctrl+0 is back to 100%");
});

test("rich conversation with the CLI peer: react, reply, paste an image, receive one, see Read", async () => {
  // The app shows the first conversation (with the CLI peer).
  await app.waitFor(".conversation .peer");
  await run(app, "[...document.querySelectorAll('.conversation')].find((b) => !b.querySelector('.context')?.textContent.includes('e2e')).click(); return 1;");
  await app.waitFor(".bubble.theirs", { text: "Hi app, this is the CLI" });
  const sentView = (out) => { const o = JSON.parse(out); return o.message ?? o; };
  const question = sentView(cli("--json", "send", alice, "Shall we meet at noon?"));
  await app.waitFor(`.bubble.theirs[data-id="${question.id}"]`, { text: "Shall we meet at noon?" });

  // React 👍 through the bubble's menu and the emoji picker; the chip shows under the bubble.
  await app.jsClick(`.bubble[data-id="${question.id}"] ~ .more`);
  await app.waitFor('[role="menu"] [data-item="react"]');
  await app.shot("rich-context-menu");
  await axe(app, "message menu");
  await app.jsClick('[role="menu"] [data-item="react"]');
  await app.waitFor('.emoji-picker button[aria-label="thumbs up"]');
  await app.shot("rich-emoji-picker");
  await axe(app, "emoji picker");
  await app.jsClick('.emoji-picker button[aria-label="thumbs up"]');
  assert.deepEqual(await until(app, "the 👍 chip", `const c = (function () { ${CHIPS} }).apply(null, arguments); return c && c.length ? c : null;`, question.id), ["👍 1 mine"]);

  // Reply through the menu: the composer says what is replied to; the reply shows the quote.
  await app.jsClick(`.bubble[data-id="${question.id}"] ~ .more`);
  await app.jsClick('[role="menu"] [data-item="reply"]');
  assert.match(await until(app, "the composer's reply line", "const r = document.querySelector('.replying'); return r && r.textContent;"), /Replying to .*: Shall we meet at noon\?/);
  await app.type("#composer", "Noon works for me");
  await app.keys([["keyDown", "\uE007"], ["keyUp", "\uE007"]]);
  const reply = await app.waitFor(".bubble.mine", { text: "Noon works for me" });
  await delivered(app, reply);
  const replyId = await app.wd("GET", app.s(`/element/${reply}/attribute/data-id`));
  const quote = await run(app, `const q = document.querySelector('.bubble[data-id="' + arguments[0] + '"] .quote');
    return q && { target: q.dataset.target, text: q.textContent, above: q.compareDocumentPosition(q.parentElement.querySelector('.text')) & Node.DOCUMENT_POSITION_FOLLOWING };`, replyId);
  assert.equal(quote?.target, question.id, "the quote names the replied-to message");
  assert.match(quote.text, /Shall we meet at noon\?/);
  assert.ok(quote.above, "the quote is above the reply's text");
  cli("sync");
  let peer = peerMessages();
  assert.equal(peer.find((m) => m.id === replyId)?.reply_to, question.id, "the peer sees a reply to its message");
  assert.deepEqual(peer.find((m) => m.id === question.id)?.reactions.map((r) => r.emoji), ["👍"], "and the app's reaction on it");

  // The peer reacts to the reply: the app shows its chip live.
  cli("react", alice, replyId, "🎉");
  assert.deepEqual(await until(app, "the peer's 🎉 chip", `const c = (function () { ${CHIPS} }).apply(null, arguments); return c && c.length ? c : null;`, replyId), ["🎉 1"]);

  // Paste an image into the composer: it is sent, shown inline, and the peer saves the same bytes.
  const pasted = png(96, 64, [40, 110, 220], [250, 190, 60]);
  await run(app, `const bytes = Uint8Array.from(atob(arguments[0]), (c) => c.charCodeAt(0));
    const file = new File([bytes], 'pasted.png', { type: 'image/png' });
    let data;
    try { data = new DataTransfer(); data.items.add(file); } catch { data = { items: [{ kind: 'file', getAsFile: () => file }], files: [file] }; }
    const ev = new Event('paste', { bubbles: true, cancelable: true });
    Object.defineProperty(ev, 'clipboardData', { value: data });
    document.querySelector('#composer').dispatchEvent(ev);
    return 1;`, pasted.toString("base64"));
  const mineImage = await until(app, "the pasted image shown inline", `const b = [...document.querySelectorAll('.bubble.mine')].find((b) => b.querySelector('.attachment.image img'));
    const img = b && b.querySelector('img');
    return img && img.src.startsWith('blob:') && img.naturalWidth > 0 ? { id: b.dataset.id, w: img.naturalWidth } : null;`);
  assert.equal(mineImage.w, 96, "the page decoded the image it sent");
  await delivered(app, await app.waitFor(`.bubble.mine[data-id="${mineImage.id}"]`));
  cli("sync");
  peer = peerMessages();
  assert.deepEqual(peer.find((m) => m.id === mineImage.id)?.attachment, { filename: "pasted.png", mime_type: "image/png", size: pasted.length, remote: false, available: true });
  const saved = join(work, "saved.png");
  cli("save", alice, mineImage.id, "--out", saved);
  assert.ok(readFileSync(saved).equals(pasted), "the peer saved the very bytes pasted");

  // The peer sends an image file: the app shows it inline (decoded from a blob: URL).
  const sentByPeer = join(work, "from-the-cli.png");
  writeFileSync(sentByPeer, png(160, 100, [30, 160, 120], [200, 60, 160]));
  const fileMsg = sentView(cli("--json", "send-file", alice, sentByPeer));
  const theirImage = await until(app, "the peer's image shown inline", `const img = document.querySelector('.bubble.theirs[data-id="' + arguments[0] + '"] .attachment.image img');
    return img && img.src.startsWith('blob:') && img.naturalWidth > 0 ? img.naturalWidth : null;`, fileMsg.id);
  assert.equal(theirImage, 160);

  // The peer reads the conversation: the app's newest own message shows "Read".
  cli("sync");
  assert.match(cli("read", alice), /read receipt sent/);
  const read = await until(app, "Read on the app's own message", `const s = document.querySelector('.bubble.mine .state.read');
    return s && s.closest('.bubble').dataset.id;`);
  assert.equal(read, mineImage.id, "Read shows on the newest own message the peer read");
  assert.ok(!peerMessages().some((m) => /readReceipt/i.test(m.content_type)), "read receipts are never listed");
  // The thread from the question on: the 👍 chip, the reply with its quote and 🎉, the images.
  await run(app, "document.querySelector('.bubble[data-id=\"' + arguments[0] + '\"]').scrollIntoView({ block: 'start' }); return 1;", question.id);
  await sleep(300);
  await app.shot("rich-thread");
  await axe(app, "rich thread", { shot: "rich-thread" });
});

test("a second start of the same profile shows the running window and exits", async () => {
  // Launched directly (not through WebDriver), as a user double-clicking the icon would.
  const second = spawn(APP, [], { env: { ...process.env, COURIER_DATA_DIR: profile }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  second.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise((resolve) => second.on("exit", resolve));
  assert.equal(code, 0, stderr);
  assert.match(stderr, /already running with profile .*: showed its window/);
  // The running window is untouched and still answers.
  await app.waitFor("#composer");
});

test("signing out keeps the account: signing in with the phrase brings it back with its conversations", async () => {
  await app.click("#open-settings");
  await app.click("#sign-out");
  await app.waitFor("#create-account");
  // The account is still on this computer; sign in with the phrase as on a new one.
  await app.waitFor(`.account[data-address="${alice}"]`);
  await app.click("#import-phrase");
  await app.type("#secret", phrase.join(" "));
  await app.click("#sign-in");
  await app.waitFor("#copy-address", { text: alice.slice(0, 6) });
  assert.equal(readdirSync(join(profile, "data", "accounts")).length, 1, "the same account, not a new one");
  // The first conversation (not the separate thread).
  await app.waitFor(".conversation .peer");
  await app.wd("POST", app.s("/execute/sync"), {
    script: "[...document.querySelectorAll('.conversation')].find((b) => !b.querySelector('.context')?.textContent.includes('e2e')).click(); return 1;",
    args: [],
  });
  await app.waitFor(".bubble.mine", { text: "Hello from the Courier app" });
  await app.waitFor(".bubble.theirs", { text: "Hi app, this is the CLI" });
  // And what arrived while signed out comes in by sync.
  cli("send", alice, "Welcome back");
  await app.waitFor(".bubble.theirs", { text: "Welcome back" });

  // Removing asks first and says what it deletes; cancelling keeps everything.
  await app.click("#open-settings");
  await app.click("#remove-account");
  await app.waitFor("#remove-dialog", { text: "keys in this computer's keychain" });
  assert.equal(await app.attr("#remove-confirmed", "disabled"), "true", "not before the user says they hold the phrase");
  await app.click("#remove-cancel");
  await app.click("#close-settings");
  await app.waitFor("#copy-address");
});

test("people: a name, identicons, pin, mute, archive, unread, read only while focused, the account switcher, Ctrl+K by name", async () => {
  const CTRL = "\uE009", ESC = "\uE00C", ENTER = "\uE007";
  const row = (topic) => `.conversation[data-topic="${topic}"]`;
  const topics = await run(app, `const rows = [...document.querySelectorAll('.conversation')];
    const e2e = rows.find((b) => b.querySelector('.context')?.textContent.includes('e2e'));
    const plain = rows.find((b) => b !== e2e);
    return { plain: plain.dataset.topic, e2e: e2e.dataset.topic };`);
  const openRow = async (topic) => { await app.jsClick(row(topic)); await until(app, "the row opened", `return document.querySelector(arguments[0])?.getAttribute('aria-current') === 'true'`, row(topic)); };
  const menuItem = async (item) => {
    await app.jsClick("#conversation-menu");
    await app.jsClick(`[role="menu"] [data-item="${item}"]`);
  };
  const order = () => run(app, "return [...document.querySelectorAll('.conversation')].map((b) => b.dataset.topic)");
  await openRow(topics.plain);

  // A name: it shows in the header and the list instead of the hex, which stays a hover away
  // (the title) and a click away (copy); the dialog says names stay on this computer.
  await app.jsClick("#conversation-menu");
  await app.waitFor('[role="menu"] [data-item="name"]');
  await axe(app, "conversation menu");
  await app.jsClick('[role="menu"] [data-item="name"]');
  await app.waitFor("#contact-name");
  assert.match(await run(app, "return document.querySelector('#contact-name-note').textContent"), /stay on this computer/);
  await axe(app, "name dialog");
  await app.type("#contact-name", "Bob CLI");
  await app.keys([["keyDown", ENTER], ["keyUp", ENTER]]);
  await until(app, "Bob CLI in the header", "return document.querySelector('#thread-title')?.textContent === 'Bob CLI'");
  const named = await run(app, `const h = document.querySelector('#thread-title');
    return { title: h.title, copy: document.querySelector('#copy-peer').textContent,
      rows: [...document.querySelectorAll('.conversation .peer')].map((p) => p.firstChild.textContent) };`);
  assert.equal(named.title.toLowerCase(), bob.toLowerCase(), "the hex is on the name's hover");
  assert.match(named.copy, /^0x[0-9a-f]{4}…[0-9a-f]{4}$/i, "and one click away to copy");
  assert.deepEqual(named.rows, ["Bob CLI", "Bob CLI"], "both conversations with the peer show the name, not the hex");

  // Identicons: the address's blockie in the list, the header and the switcher; the same address
  // draws the same pixels, another address other pixels.
  const pixels = await run(app, `const px = (img) => { const c = document.createElement('canvas'); c.width = c.height = 8;
      const g = c.getContext('2d'); g.imageSmoothingEnabled = false; g.drawImage(img, 0, 0, 8, 8); return [...g.getImageData(0, 0, 8, 8).data].join(','); };
    const rowImg = document.querySelector('.conversation[aria-current=true] img.avatar'), headImg = document.querySelector('.thread-head img.avatar'), me = document.querySelector('#account-switcher img.avatar');
    return { loaded: [rowImg, headImg, me].every((i) => i.complete && i.naturalWidth > 0), peer: rowImg.dataset.address, row: px(rowImg), head: px(headImg), me: px(me) };`);
  assert.ok(pixels.loaded, "the identicons are drawn");
  assert.equal(pixels.peer.toLowerCase(), bob.toLowerCase());
  assert.equal(pixels.row, pixels.head, "the peer's identicon is the same in the list and the header");
  assert.notEqual(pixels.row, pixels.me, "two addresses, two identicons");

  // Pin: the separate thread goes to the top, with the pin mark. Mute: the muted mark.
  await openRow(topics.e2e);
  await menuItem("pin");
  await until(app, "the pinned thread at the top", "return document.querySelector('.conversation')?.dataset.topic === arguments[0] && !!document.querySelector('.conversation .flag-icon.pinned')", topics.e2e);
  await menuItem("mute");
  await until(app, "the muted mark", "return !!document.querySelector(arguments[0] + ' .flag-icon.muted-flag')", row(topics.e2e));
  assert.equal(await run(app, "return document.querySelector(arguments[0] + ' .flag-icon.muted-flag').getAttribute('aria-label')", row(topics.e2e)), "Muted");
  assert.deepEqual(await order(), [topics.e2e, topics.plain]);

  // Archive: out of the list, in the Archived tab, and back in the list with a new message.
  await openRow(topics.plain);
  await menuItem("archive");
  await until(app, "the archived thread out of the list", "return !document.querySelector(arguments[0]) && !document.querySelector('#thread-title')", row(topics.plain));
  await app.jsClick("#tab-archived");
  await app.waitFor(row(topics.plain));
  await axe(app, "archived tab");
  await app.jsClick("#tab-messages");
  await app.waitFor(row(topics.e2e));
  cli("send", alice, "Back from the archive");
  await app.waitFor(`${row(topics.plain)} .badge`, { text: "1" });
  assert.deepEqual(await order(), [topics.e2e, topics.plain], "back in the list, under the pinned one");

  // Read only while the window is focused: opened with focus, it is read at once. A message
  // that comes while the window has no focus stays unread though shown; focus back reads it.
  await openRow(topics.plain);
  await until(app, "read on opening", "return !document.querySelector(arguments[0] + ' .badge')", row(topics.plain));
  await run(app, "document.hasFocus = () => false; return 1;");
  cli("send", alice, "While you were away");
  await app.waitFor(".bubble.theirs", { text: "While you were away" });
  await app.waitFor(`${row(topics.plain)} .badge`, { text: "1" });
  await sleep(500);
  assert.ok(await run(app, "return !!document.querySelector(arguments[0] + ' .badge')", row(topics.plain)), "still unread while the window has no focus");
  await run(app, "delete document.hasFocus; window.dispatchEvent(new Event('focus')); return 1;");
  await until(app, "read once the focus is back", "return !document.querySelector(arguments[0] + ' .badge')", row(topics.plain));

  // Ctrl+K finds a conversation by the peer's name; Escape from a panel or the switcher puts
  // the focus back where it was (+, opened from the keyboard: WebKit does not focus a clicked button).
  await run(app, "document.querySelector('#new-conversation').focus(); return 1;");
  await app.keys([["keyDown", ENTER], ["keyUp", ENTER]]);
  await app.waitFor("#peer-address");
  await app.keys([["keyDown", ESC], ["keyUp", ESC]]);
  await until(app, "focus back on +", "return !document.querySelector('#peer-address') && document.activeElement.id === 'new-conversation'");
  await app.keys([["keyDown", CTRL], ["keyDown", "k"], ["keyUp", "k"], ["keyUp", CTRL]]);
  await app.waitFor("#quick-switcher-input");
  await app.keys([["keyDown", ESC], ["keyUp", ESC]]);
  await until(app, "the switcher closed, focus back", "return !document.querySelector('#quick-switcher') && document.activeElement.id === 'new-conversation'");
  await app.keys([["keyDown", CTRL], ["keyDown", "k"], ["keyUp", "k"], ["keyUp", CTRL]]);
  await app.type("#quick-switcher-input", "bob cli");
  assert.equal(await run(app, "return document.querySelectorAll('#quick-switcher [role=option]').length"), 2, "both conversations with Bob CLI match his name");
  await app.keys([["keyDown", ENTER], ["keyUp", ENTER]]);
  await until(app, "Bob CLI in the header", "return document.querySelector('#thread-title')?.textContent === 'Bob CLI'");
  // The first match, as the list orders them: the pinned thread.
  await until(app, "the pinned thread opened by name", "return document.querySelector(arguments[0])?.getAttribute('aria-current') === 'true'", row(topics.e2e));

  // Mark as unread: the thread closes and its row has the unread dot.
  await openRow(topics.plain);
  await menuItem("unread");
  await until(app, "the marked-unread dot", "return !document.querySelector('#thread-title') && document.querySelector(arguments[0] + ' .badge.dot')?.getAttribute('aria-label') === 'Marked as unread'", row(topics.plain));

  // The account switcher: add a second account by create, see the first one's unread count
  // there (the marked conversation), switch back.
  await app.jsClick("#account-switcher");
  await app.waitFor('[role="menu"] [data-item="add-account"]');
  await app.shot("account-switcher");
  await axe(app, "account switcher", { shot: "account-switcher" });
  await app.jsClick('[role="menu"] [data-item="add-account"]');
  await app.click("#create-account");
  await confirmPhrase(app, await phraseWords(app));
  await until(app, "the second account open", "const b = document.querySelector('#copy-address'); return b && !b.textContent.toLowerCase().startsWith(arguments[0])", alice.slice(0, 6).toLowerCase());
  assert.equal(readdirSync(join(profile, "data", "accounts")).length, 2, "two accounts on this computer");
  // The first account's unread count, on the switcher's button and in its menu.
  await app.waitFor("#account-switcher .badge", { text: "1" });
  await app.jsClick("#account-switcher");
  const first = `[role="menu"] [data-item="account-${alice}" i]`;
  await app.waitFor(`${first} .badge`, { text: "1" });
  await app.jsClick(first);
  await app.waitFor("#copy-address", { text: alice.slice(0, 6) });
  await app.waitFor(`${row(topics.plain)} .badge.dot`);
});

test("a start that cannot finish opens the recovery screen, which fixes it", async () => {
  // A mistyped node URL in the profile's settings.
  const dir = join(work, "broken");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "settings.json"), JSON.stringify({ node_url: "htp:/127.0.0.1:5556" }));
  const c = await launch(dir);
  try {
    await c.waitFor("#start-problem", { text: "is not a node URL" });
    assert.equal(await c.attr("#start-problem", "data-code"), "node");
    await c.shot("8-recovery-screen");
    await axe(c, "recovery screen");
    await c.clear("#recovery-node-url");
    await c.type("#recovery-node-url", grpc);
    await c.click("#recovery-use-node");
    await c.waitFor("#create-account");
    assert.equal(JSON.parse(readFileSync(join(dir, "settings.json"), "utf8")).node_url, grpc);
  } finally {
    await c.close();
  }
});

test("two app instances on different profiles talk through the embedded default", async () => {
  // No settings: each profile uses the local network. The first starts its embedded node on the
  // local address (nothing answers there in CI); the second finds that node and uses it.
  const one = await launch(join(work, "one"));
  let two;
  try {
    await one.click("#create-account");
    await one.click("#phrase-later");
    await one.waitFor("#copy-address");
    await one.waitFor("#phrase-reminder", { text: "recovery phrase" });
    // The second profile was left at 125% zoom: it opens at that zoom.
    mkdirSync(join(work, "two"), { recursive: true });
    writeFileSync(join(work, "two", "settings.json"), JSON.stringify({ zoom: 1.25 }));
    two = await launch(join(work, "two"));
    const width = (c) => c.wd("POST", c.s("/execute/sync"), { script: "return innerWidth", args: [] });
    await two.waitFor("#create-account");
    const [w1, w2] = [await width(one), await width(two)];
    assert.ok(Math.abs(w2 - w1 / 1.25) <= 2, `the kept zoom is applied at start: ${w1} -> ${w2}`);
    await two.jsClick("#create-account");
    await two.jsClick("#phrase-later");
    await two.waitFor("#copy-address");
    const addr = (p) => readdirSync(join(work, p, "data", "accounts"))[0];
    const [a1, a2] = [addr("one"), addr("two")];
    // The first runs the built-in node; the second uses it at the local address.
    await one.click("#open-settings");
    await one.waitFor("#node-in-use", { text: "(built in)" });
    await one.click("#close-settings");
    await two.jsClick("#open-settings");
    const used = await two.wd("GET", two.s(`/element/${await two.waitFor("#node-in-use")}/text`));
    assert.equal(used, "http://127.0.0.1:5556");
    await two.jsClick("#close-settings");

    await one.click("#new-conversation");
    await one.type("#peer-address", a2);
    await one.waitFor("#address-status", { text: "On the network" });
    await one.type("#first-message", "Hello from the first window");
    await one.click("#start-conversation");
    await delivered(one, await one.waitFor(".bubble.mine", { text: "Hello from the first window" }));

    // The second window gets the conversation live as a request (unknown sender), accepts it, answers.
    await two.jsClick("#tab-requests");
    await two.jsClick(`.conversation[data-peer="${a1}"]`);
    await two.waitFor(".bubble.theirs", { text: "Hello from the first window" });
    await two.jsClick("#allow-peer");
    await two.type("#composer", "Hello back from the second window");
    await two.keys([["keyDown", "\uE007"], ["keyUp", "\uE007"]]);
    await delivered(two, await two.waitFor(".bubble.mine", { text: "Hello back from the second window" }));
    await one.waitFor(".bubble.theirs", { text: "Hello back from the second window" });
    await two.shot("5-second-window");
    // SIGTERM (as at logout) ends each app through its normal exit, which saves the window's
    // geometry in that profile's own folder. (Closing the WebDriver session kills the app.)
    for (const p of ["one", "two"]) {
      const dir = join(work, p);
      process.kill(appPid(dir), "SIGTERM");
      const file = join(dir, "window-state.json");
      for (let i = 0; i < 50 && !existsSync(file); i++) await sleep(100);
      assert.ok(JSON.parse(readFileSync(file, "utf8")).main.width > 0, `${file} has the main window's geometry`);
    }
  } finally {
    await two?.close();
    await one.close();
  }
});

/** The pid of the app process started with the profile folder `dataDir`. */
function appPid(dataDir) {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] !== APP) continue;
      if (readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(`COURIER_DATA_DIR=${dataDir}`)) return Number(pid);
    } catch {}
  }
  throw new Error(`no app process for ${dataDir}`);
}
