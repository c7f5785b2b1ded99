// The installed package: the app from the .deb (in /usr/bin) starts in a real window and shows
// the onboarding screen. Run by tests/e2e/install.sh.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NUDGE, UNNUDGE } from "./nudge.mjs";

const APP = process.env.COURIER_INSTALLED_APP;
const SHOTS = process.env.COURIER_SCREENSHOTS;
const WD = "http://127.0.0.1:4444";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("the installed app opens on the onboarding screen", async () => {
  assert.ok(APP, "COURIER_INSTALLED_APP must be set");
  const profile = mkdtempSync(join(tmpdir(), "courier-installed-"));
  writeFileSync(join(profile, "settings.json"), JSON.stringify({ node_url: "http://127.0.0.1:9" }));
  const driver = spawn("tauri-driver", ["--native-driver", "/usr/bin/WebKitWebDriver"], { stdio: "ignore", env: { ...process.env, COURIER_DATA_DIR: profile } });
  try {
    for (let i = 0; i < 50; i++) { try { await fetch(WD + "/status"); break; } catch { await sleep(100); } }
    const wd = async (method, path, body) => (await (await fetch(WD + path, { method, headers: { "content-type": "application/json" }, body: body && JSON.stringify(body) })).json()).value;
    const { sessionId } = await wd("POST", "/session", { capabilities: { alwaysMatch: { "tauri:options": { application: APP } } } });
    let found = [];
    for (let i = 0; i < 100 && found.length === 0; i++) {
      found = await wd("POST", `/session/${sessionId}/elements`, { using: "css selector", value: "#create-account" });
      if (!found.length) await sleep(100);
    }
    assert.equal(found.length, 1, "onboarding shown");
    assert.equal(await wd("GET", `/session/${sessionId}/title`), "Courier");
    mkdirSync(SHOTS, { recursive: true });
    // The onboarding is still: a changing dot makes the frame WebKitWebDriver waits for (nudge.mjs).
    await wd("POST", `/session/${sessionId}/execute/sync`, { script: NUDGE, args: [] });
    const shot = await wd("GET", `/session/${sessionId}/screenshot`);
    await wd("POST", `/session/${sessionId}/execute/sync`, { script: UNNUDGE, args: [] });
    writeFileSync(join(SHOTS, "installed-onboarding.png"), Buffer.from(shot, "base64"));
    await wd("DELETE", `/session/${sessionId}`);
  } finally {
    driver.kill();
  }
});
