// App figures for BENCHMARKS.md: launch to first paint and to an interactive conversation list,
// resident memory of the whole app (WebKit processes included) idle and with a 100,000-message
// thread open. Run by scripts/bench-app.sh (release build, Xvfb, D-Bus keyring).
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const { COURIER_APP: APP, COURIER_CLI: CLI, COURIER_POPULATE: POPULATE, COURIER_BLANK: BLANK } = process.env;
const WD = "http://127.0.0.1:4444";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const work = mkdtempSync(join(tmpdir(), "courier-bench-"));

async function wd(method, path, body) {
  const res = await fetch(WD + path, { method, headers: { "content-type": "application/json" }, body: body ? JSON.stringify(body) : undefined });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json.value)}`);
  return json.value;
}

function rssKb(pid) {
  // The app and every process below it (WebKitWebProcess, WebKitNetworkProcess, …).
  const procs = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  const parent = new Map();
  for (const p of procs) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      parent.set(p, stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {}
  }
  const tree = new Set([String(pid)]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [p, pp] of parent) if (tree.has(pp) && !tree.has(p)) { tree.add(p); grew = true; }
  }
  // RSS counts shared libraries once per process; PSS shares them out, so the sum is what the
  // app really costs. Both are reported.
  let rss = 0;
  let pss = 0;
  const each = {};
  for (const p of tree) {
    try {
      const r = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0);
      const ps = Number(/Pss:\s+(\d+)/.exec(readFileSync(`/proc/${p}/smaps_rollup`, "utf8"))?.[1] ?? 0);
      const name = readFileSync(`/proc/${p}/comm`, "utf8").trim();
      rss += r;
      pss += ps;
      each[name] = { rss_mb: Math.round(r / 1024), pss_mb: Math.round(ps / 1024) };
    } catch {}
  }
  return { rss_mb: Math.round(rss / 1024), pss_mb: Math.round(pss / 1024), processes: each };
}

async function launch(profile) {
  // A driver left over from another run would start the app with its own profile.
  if (await fetch(WD + "/status").then(() => true, () => false)) throw new Error(`something already answers at ${WD}: a stale tauri-driver?`);
  const driver = spawn("tauri-driver", ["--native-driver", "/usr/bin/WebKitWebDriver"], { stdio: "ignore", env: { ...process.env, COURIER_DATA_DIR: profile } });
  for (let i = 0; i < 50; i++) { try { await fetch(WD + "/status"); break; } catch { await sleep(100); } }
  const t0 = performance.now();
  const session = (await wd("POST", "/session", { capabilities: { alwaysMatch: { "tauri:options": { application: APP } } } })).sessionId;
  return { driver, session, t0 };
}

async function until(session, css, t0) {
  for (const end = performance.now() + 30000; performance.now() < end; ) {
    const els = await wd("POST", `/session/${session}/elements`, { using: "css selector", value: css });
    if (els.length) return performance.now() - t0;
    await sleep(10);
  }
  const shot = join(work, "failed.png");
  writeFileSync(shot, Buffer.from(await wd("GET", `/session/${session}/screenshot`), "base64"));
  const text = await wd("POST", `/session/${session}/execute/sync`, { script: "return document.body.innerText", args: [] });
  throw new Error(`${css} did not appear within 30 s; the page says ${JSON.stringify(text.slice(0, 500))} (screenshot: ${shot})`);
}

const appPid = () => Number(execFileSync("pgrep", ["-n", "-f", APP], { encoding: "utf8" }).trim());

const node = spawn(CLI, ["node", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--db", join(work, "node.db")], { stdio: ["ignore", "pipe", "ignore"] });
// The node goes with this script, however it ends.
process.on("exit", () => node.kill());
const line = await new Promise((r) => node.stdout.once("data", (d) => r(String(d))));
const grpc = "http://" + /grpc=(\S+)/.exec(line)[1];
const results = {};

// BENCH_ONLY=thread runs only part 2 (the 100,000-message thread).
const ONLY = process.env.BENCH_ONLY;

// 0. The floor: the same Tauri and WebKit stack showing an empty page (examples/blank_window),
// against Courier idle on a new profile, both started directly (no WebDriver), alternating.
if (!ONLY) {
  const idle = async (bin) => {
    const profile = mkdtempSync(join(work, "direct-"));
    writeFileSync(join(profile, "settings.json"), JSON.stringify({ node_url: grpc }));
    const child = spawn(bin, [], { stdio: "ignore", env: { ...process.env, COURIER_DATA_DIR: profile } });
    await sleep(8000);
    const m = rssKb(child.pid);
    child.kill();
    await new Promise((r) => child.once("exit", r));
    return m;
  };
  const runs = { blank: [], courier: [] };
  for (let i = 0; i < 3; i++) {
    runs.blank.push(await idle(BLANK));
    runs.courier.push(await idle(APP));
  }
  const median = (xs) => xs.map((x) => x.pss_mb).sort((a, b) => a - b)[1];
  results.floor_blank_window = runs.blank[0];
  results.direct_courier_onboarding = runs.courier[0];
  results.idle_pss_median_mb = { blank: median(runs.blank), courier: median(runs.courier), ratio: +(median(runs.courier) / median(runs.blank)).toFixed(2) };
}

// 1. A new profile: launch to the onboarding screen.
if (!ONLY) {
  const profile = join(work, "new");
  mkdirSync(profile);
  writeFileSync(join(profile, "settings.json"), JSON.stringify({ node_url: grpc }));
  const { driver, session, t0 } = await launch(profile);
  results.first_paint_ms = await until(session, "#create-account", t0);
  await sleep(5000);
  results.idle_onboarding = rssKb(appPid());
  await wd("DELETE", `/session/${session}`);
  driver.kill();
}

// 2. A profile with an account, 20 conversations and two of 100,000 messages: one text only,
// one rich (issue #13: replies every 10th message, reactions on every 5th, an inline image every
// 1,000th; populate.rs). Each is opened in a fresh launch of the app, text first, and measured
// the same way: open, a fast scroll, reading back through older pages, memory.
{
  const profile = join(work, "used");
  const data = join(profile, "data");
  mkdirSync(profile);
  writeFileSync(join(profile, "settings.json"), JSON.stringify({ node_url: grpc }));
  const me = execFileSync(CLI, ["--data-dir", data, "--node", grpc, "account", "create"], { encoding: "utf8" }).trim();
  for (let i = 0; i < 20; i++) {
    const peer = mkdtempSync(join(work, "peer-"));
    execFileSync(CLI, ["--data-dir", peer, "--node", grpc, "account", "create"]);
    execFileSync(CLI, ["--data-dir", peer, "--node", grpc, "send", me, `hello ${i}`]);
  }
  const threads = {
    text: execFileSync(POPULATE, [grpc, me, "100000"], { encoding: "utf8" }).trim(),
    rich: execFileSync(POPULATE, [grpc, me, "100000", "rich"], { encoding: "utf8" }).trim(),
  };
  // One sync reads at most 100,000 envelopes of a topic (fetch::MAX_PAGES); the rich thread has
  // 140,000 (its reactions are envelopes too). Sync until everything is in, so the app has
  // nothing left to fetch while it is measured.
  for (let i = 0; i < 3; i++) execFileSync(CLI, ["--data-dir", data, "--node", grpc, "sync"]);
  for (const peer of Object.values(threads)) execFileSync(CLI, ["--data-dir", data, "--node", grpc, "allow", peer]);
  const order = (process.env.BENCH_THREADS ?? "text,rich").split(",");
  for (const [n, kind] of order.entries()) {
    const { driver, session, t0 } = await launch(profile);
    const list_ms = await until(session, ".conversation", t0);
    await sleep(5000);
    if (n === 0) {
      results.interactive_list_ms = list_ms;
      results.idle_with_account = rssKb(appPid());
    }
    const r = (results[`thread_100k_${kind}`] = { interactive_list_ms: list_ms });
    const rows = await wd("POST", `/session/${session}/elements`, { using: "css selector", value: `.conversation[data-peer="${threads[kind]}"]` });
    const t1 = performance.now();
    await wd("POST", `/session/${session}/element/${Object.values(rows[0])[0]}/click`, {});
    r.open_ms = await until(session, ".bubble", t1);
    // Smoothness: scroll up 60 px every frame (3,600 px/s, a fast flick) for 600 frames, crossing
    // older-page loads; the frame intervals come from requestAnimationFrame in the page.
    await sleep(1000);
    const frames = await wd("POST", `/session/${session}/execute/async`, {
      script: `const done = arguments[arguments.length - 1];
        const el = document.querySelector('.scroller');
        const gaps = []; let last = 0; let n = 0;
        const step = (t) => { if (last) gaps.push(t - last); last = t; el.scrollTop -= 60; if (++n < 600) requestAnimationFrame(step); else done({ gaps, rows: document.querySelectorAll('.thread-row').length, top: el.scrollTop }); };
        requestAnimationFrame(step);`,
      args: [],
    });
    const gaps = frames.gaps.sort((a, b) => a - b);
    const q = (p) => +gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))].toFixed(1);
    r.scroll = { frames: gaps.length, p50_ms: q(0.5), p95_ms: q(0.95), p99_ms: q(0.99), max_ms: q(1), over_33ms: gaps.filter((g) => g > 33.4).length, rows_in_dom: frames.rows };
    // What the rich thread shows on screen (0 for the text one).
    r.shown = await wd("POST", `/session/${session}/execute/sync`, {
      script: "return { bubbles: document.querySelectorAll('.bubble').length, chips: document.querySelectorAll('.chip').length, quotes: document.querySelectorAll('.quote').length, images: document.querySelectorAll('.attachment.image').length }",
      args: [],
    });
    // Scroll up through older pages for a while, as a reader would.
    for (let i = 0; i < 40; i++) {
      await wd("POST", `/session/${session}/execute/sync`, { script: "document.querySelector('.scroller').scrollTop = 0; return 1;", args: [] });
      await sleep(100);
    }
    r.loaded_rows = await wd("POST", `/session/${session}/execute/sync`, { script: "return document.querySelectorAll('.thread-row').length", args: [] });
    r.thread_height_px = await wd("POST", `/session/${session}/execute/sync`, { script: "return document.querySelector('.spacer-box').offsetHeight", args: [] });
    await sleep(3000);
    r.memory_after_scrolling = rssKb(appPid());
    if (process.env.BENCH_SMAPS) execFileSync("python3", [process.env.BENCH_SMAPS, String(appPid())], { stdio: "inherit" });
    await wd("DELETE", `/session/${session}`);
    driver.kill();
    await new Promise((res) => driver.once("exit", res));
    await sleep(1000);
  }
}
node.kill();
console.log(JSON.stringify(results));
process.exit(0);
