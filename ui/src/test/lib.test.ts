/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { HeightIndex } from "../lib/virtual";
import { merge, rows } from "../lib/items";
import { clockTime, dayLabel, listTime, looksLikeAddress, nsToDate, shortAddress } from "../lib/format";
import type { MessageView } from "../lib/backend";
import { stepZoom, zoomKey } from "../lib/zoom";
import { explain } from "../lib/errors";
import { passed, quiz } from "../lib/phrase";
import type { ErrorCode } from "../lib/backend";

const msg = (id: string, ms: number): MessageView => ({
  id, topic: "/t", sender: "0xabc", sent_ns: `${ms}000000`, content_type: "xmtp.org/text:1.0", text: id, state: "received",
  reply_to: null, quote: null, reactions: [], attachment: null, read: false,
});

describe("HeightIndex", () => {
  it("windows 100,000 rows and finds rows by offset", () => {
    const h = new HeightIndex(100_000, 40);
    expect(h.total()).toBe(4_000_000);
    expect(h.indexAt(0)).toBe(0);
    expect(h.indexAt(39.9)).toBe(0);
    expect(h.indexAt(40)).toBe(1);
    const [first, last] = h.range(2_000_000, 800, 5);
    expect(first).toBe(50_000 - 5);
    expect(last).toBe(50_000 + 21 + 5);
    expect(last - first).toBeLessThan(40);
  });
  it("keeps measured heights when rows are prepended", () => {
    const h = new HeightIndex(3, 10);
    h.set(0, 100);
    h.resize(5, 2);
    expect(h.offset(2)).toBe(20);
    expect(h.offset(3)).toBe(120);
    expect(h.set(2, 100)).toBe(false);
  });
  it("gives new rows their own estimate (an image row reserves its thumbnail) and keeps measured ones", () => {
    const h = new HeightIndex(2, 10);
    h.set(1, 50);
    h.resize(4, 1, (i) => (i === 0 ? 290 : 20));
    expect([h.offset(1), h.offset(2), h.offset(3), h.total()]).toEqual([290, 300, 350, 370]);
  });
});

describe("rows and merge", () => {
  it("puts a day separator before each day's first message", () => {
    const day = 86_400_000;
    const base = Date.UTC(2026, 0, 10, 12);
    const r = rows([msg("a", base), msg("b", base + 1000), msg("c", base + day)], new Date(base + day));
    expect(r.map((x) => x.kind)).toEqual(["day", "message", "message", "day", "message"]);
    expect(r[3]).toMatchObject({ label: "Today" });
  });
  it("merges pages by time and replaces by id", () => {
    const a = merge([msg("x", 2000), msg("y", 3000)], [msg("w", 1000), { ...msg("x", 2000), state: "sent" }]);
    expect(a.map((m) => m.id)).toEqual(["w", "x", "y"]);
    expect(a[1].state).toBe("sent");
    // 10^18 ns values compare as strings of equal length, no float precision loss
    const big = merge([], [{ ...msg("p", 0), sent_ns: "1764000000000000001" }, { ...msg("q", 0), sent_ns: "1764000000000000000" }]);
    expect(big.map((m) => m.id)).toEqual(["q", "p"]);
  });
});

describe("format", () => {
  it("formats", () => {
    expect(shortAddress("0x1234567890123456789012345678901234567890")).toBe("0x1234…7890");
    expect(nsToDate("1700000000123000000").getTime()).toBe(1_700_000_000_123);
    expect(looksLikeAddress("0x1234567890123456789012345678901234567890")).toBe(true);
    expect(looksLikeAddress("0x123")).toBe(false);
    const now = new Date(2026, 4, 5, 12);
    expect(dayLabel(new Date(2026, 4, 4, 9), now)).toBe("Yesterday");
    expect(dayLabel(new Date(2025, 0, 2, 9), now)).toMatch(/2025/);
    expect(clockTime(new Date(2026, 4, 5, 9, 7))).toMatch(/0?9.07/);
    expect(listTime(new Date(2026, 4, 5, 9, 7), now)).toBe(clockTime(new Date(2026, 4, 5, 9, 7)));
    expect(listTime(new Date(2026, 2, 1, 9), now)).not.toMatch(/09.00/);
  });

  it("no code formats dates with toLocale*String (a new ICU formatter per call, uncounted by WebKit's GC)", () => {
    const sources = import.meta.glob(["../**/*.{ts,tsx}", "!../test/**"], { query: "?raw", import: "default", eager: true }) as Record<string, string>;
    expect(Object.keys(sources).length).toBeGreaterThan(5);
    const offenders = Object.entries(sources).filter(([, text]) => /\.toLocale(Date|Time)?String\(/.test(text)).map(([path]) => path);
    expect(offenders).toEqual([]);
  });
});

describe("zoom", () => {
  it("steps through the levels, from any level, within 50–300%", () => {
    let z = 1;
    for (let i = 0; i < 5; i++) z = stepZoom(z, 1);
    expect(z).toBe(2);
    expect(stepZoom(1.3, 1)).toBe(1.5);
    expect(stepZoom(1.3, -1)).toBe(1.25);
    expect(stepZoom(3, 1)).toBe(3);
    expect(stepZoom(0.5, -1)).toBe(0.5);
  });

  it("reads Ctrl+= / Ctrl+- / Ctrl+0 and ignores other keys", () => {
    const k = (key: string, mods: Partial<KeyboardEvent> = { ctrlKey: true }) => zoomKey({ key, ctrlKey: false, metaKey: false, altKey: false, ...mods });
    expect(k("=")).toBe(1);
    expect(k("+")).toBe(1);
    expect(k("-")).toBe(-1);
    expect(k("0")).toBe(0);
    expect(k("=", {})).toBe(null);
    expect(k("n")).toBe(null);
    expect(k("=", { ctrlKey: true, altKey: true })).toBe(null);
  });
});

describe("errors", () => {
  it("acts on the code, not on the text", () => {
    const act = (code: ErrorCode) => explain({ code, message: "same text" }).action;
    expect(act("node")).toBe("open_settings");
    expect(act("keys_missing")).toBe("sign_in_again");
    expect(act("no_account")).toBe("reload");
    expect(act("bad_input")).toBeNull();
    expect(explain({ code: "keychain", message: "x" }).hint).toMatch(/Unlock/);
    expect(explain(new Error("boom"))).toEqual({ message: "Error: boom", hint: null, action: null });
  });
});

describe("phrase quiz", () => {
  it("asks three distinct positions, each with the right word among four of the phrase's words", () => {
    const words = "a b c d e f g h i j k a".split(" ");
    for (let n = 0; n < 50; n++) {
      const q = quiz(words);
      expect(new Set(q.map((x) => x.position)).size).toBe(3);
      for (const x of q) {
        expect(x.options).toContain(words[x.position]);
        expect(new Set(x.options).size).toBe(4);
        expect(x.options.every((o) => words.includes(o))).toBe(true);
      }
      expect(passed(words, q, q.map((x) => words[x.position]))).toBe(true);
      expect(passed(words, q, q.map((x, i) => (i === 0 ? x.options.find((o) => o !== words[x.position])! : words[x.position])))).toBe(false);
    }
  });
});

describe("native texts", () => {
  it("follow the UI's language, English for one Rust does not ship", async () => {
    const { nativeLanguage } = await import("../lib/nativeTexts");
    expect(nativeLanguage("de")).toBe("de");
    expect(nativeLanguage("en")).toBe("en");
    expect(nativeLanguage("ar")).toBe("en");
  });
});
