/// <reference types="vite/client" />
// People, not hex (issue #14, UI side): identicons, names, runs, day labels, the conversation
// menu, the account switcher. The backend module is mocked (no Tauri here); the rest is real.
import { afterEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { AccountView, AppStatus, ConversationView, Event, MessageView } from "../lib/backend";

const ME = "0x00000000000000000000000000000000000000a1";
const PEER = "0x00000000000000000000000000000000000000b1";
const OTHER = "0x00000000000000000000000000000000000000c1";
const TOPIC = "/xmtp/0/m-t/proto";
const MIN = 60;

const msg = (id: string, s: number, over: Partial<MessageView> = {}): MessageView => ({
  id, topic: TOPIC, sender: PEER, sent_ns: `${1_700_000_000 + s}000000000`, content_type: "xmtp.org/text:1.0", text: `text ${id}`,
  state: "received", reply_to: null, quote: null, reactions: [], attachment: null, read: false, ...over,
});
const conv = (over: Partial<ConversationView> = {}): ConversationView => ({
  topic: TOPIC, version: "v2", peer: PEER, conversation_id: null, metadata: {}, created_ns: "1", last_message_ns: "0",
  last_preview: null, unread: 0, consent: "allowed", draft: "", name: null, title: null, pinned: false, muted: false,
  archived: false, marked_unread: false, ...over,
});
const status: AppStatus = {
  address: ME, accounts: [ME, OTHER], node_url: "http://127.0.0.1:5556", embedded_node: true, unadopted_local_node: null,
  http_gateway_enabled: false, http_gateway: null, profile: "default", keychain: "secret-service", keychain_volatile: false,
  version: "0.1.0", zoom: 1, problem: null, recovery: null, read_receipts: true, notification_privacy: "full", keep_archived: false,
};

let page: MessageView[] = [];
let listed: ConversationView[] = [];
let accounts: AccountView[] = [];
let emit: ((e: Event) => void) | null = null;

vi.mock("../lib/backend", async (orig) => {
  const real = await orig<typeof import("../lib/backend")>();
  return {
    ...real,
    backend: {
      listMessages: vi.fn(async () => page),
      listConversations: vi.fn(async () => listed),
      markRead: vi.fn(async () => {}),
      setDraft: vi.fn(async () => {}),
      sendReadReceipt: vi.fn(async () => {}),
      retryMessage: vi.fn(async () => {}),
      setConsent: vi.fn(async () => {}),
      setContactName: vi.fn(async () => {}),
      setConversationFlag: vi.fn(async (topic: string) => listed.find((c) => c.topic === topic) ?? conv()),
      listAccounts: vi.fn(async () => accounts),
      switchAccount: vi.fn(async (address: string) => ({ ...status, address })),
      onFilesDropped: vi.fn(async () => () => {}),
      subscribe: vi.fn(async (h: (e: Event) => void) => { emit = h; }),
    },
  };
});

import { backend } from "../lib/backend";
import { blockie, blockieUrl } from "../lib/blockies";
import { rows } from "../lib/items";
import { dayLabel } from "../lib/format";
import { matchesFilter, peerName } from "../lib/people";
import { ConversationList } from "../components/ConversationList";
import { Thread } from "../components/Thread";
import { AccountSwitcher } from "../components/AccountSwitcher";
import { Messenger } from "../components/Messenger";

afterEach(() => { cleanup(); vi.clearAllMocks(); page = []; listed = []; accounts = []; emit = null; });

describe("identicons", () => {
  it("are the same for the same address in any case, and differ between addresses", () => {
    const a = blockie(PEER);
    expect(blockie(PEER.toUpperCase().replace("0X", "0x"))).toEqual(a);
    expect(blockieUrl(PEER)).toBe(blockieUrl(PEER.toUpperCase()));
    expect(blockieUrl(PEER)).toMatch(/^data:image\/svg\+xml,/);
    const b = blockie(OTHER);
    expect(b.cells.join("") + b.colors.join()).not.toBe(a.cells.join("") + a.colors.join());
    // 100 addresses: all different pictures.
    const seen = new Set(Array.from({ length: 100 }, (_, i) => {
      const x = blockie(`0x${i.toString(16).padStart(40, "0")}`);
      return x.cells.join("") + x.colors.join();
    }));
    expect(seen.size).toBe(100);
  });

  it("are 8×8, mirrored left to right, in three HSL colours", () => {
    const { size, cells, colors } = blockie(ME);
    expect(size).toBe(8);
    expect(cells.length).toBe(64);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 4; x++) expect(cells[y * 8 + x]).toBe(cells[y * 8 + 7 - x]);
    expect(new Set(cells).size).toBeGreaterThan(1);
    cells.forEach((c) => expect([0, 1, 2]).toContain(c));
    colors.forEach((c) => expect(c).toMatch(/^hsl\(\d+,[\d.]+%,[\d.]+%\)$/));
  });
});

describe("runs and day labels", () => {
  it("groups by sender within five minutes of the one before; a new day or sender starts a run", () => {
    const list = rows([
      msg("p1", 0), msg("p2", 1 * MIN), msg("p3", 5 * MIN), // one run: each within 5 minutes of the one before
      msg("m1", 6 * MIN, { sender: ME }), msg("m2", 7 * MIN, { sender: ME }),
      msg("p4", 8 * MIN), msg("p5", 14 * MIN), // 6 minutes later: a new run
      msg("p6", 24 * 3600 + 14 * MIN), // the next day
    ]);
    const flags = list.flatMap((r) => (r.kind === "message" ? [`${r.key}:${r.first ? "F" : "-"}${r.last ? "L" : "-"}`] : []));
    expect(flags).toEqual(["p1:F-", "p2:--", "p3:-L", "m1:F-", "m2:-L", "p4:FL", "p5:FL", "p6:FL"]);
    expect(list.filter((r) => r.kind === "day").length).toBe(2);
  });

  it("labels days Today, Yesterday, the weekday within six days, then the date (fixed clock)", () => {
    const now = new Date(2026, 10, 29, 12); // a Sunday
    const weekday = new Intl.DateTimeFormat(undefined, { weekday: "long" });
    expect(dayLabel(new Date(2026, 10, 29, 0, 1), now)).toBe("Today");
    expect(dayLabel(new Date(2026, 10, 28, 23, 59), now)).toBe("Yesterday");
    expect(dayLabel(new Date(2026, 10, 26, 9), now)).toBe(weekday.format(new Date(2026, 10, 26)));
    expect(dayLabel(new Date(2026, 10, 23, 9), now)).toBe(weekday.format(new Date(2026, 10, 23)));
    const week = dayLabel(new Date(2026, 10, 22, 9), now);
    expect(week).not.toBe(weekday.format(new Date(2026, 10, 22)));
    expect(week).toMatch(/2026/);
    expect(dayLabel(new Date(2026, 10, 30, 9), now)).toMatch(/2026/); // ahead (a skewed clock): the date
  });
});

describe("names", () => {
  it("are shown instead of the address, which stays in the row's title; the filter matches names, titles and addresses", () => {
    const alice = conv({ name: "Alice", topic: "/a" });
    const work = conv({ peer: OTHER, title: "e2e", topic: "/b", conversation_id: "courier.test/e2e" });
    expect(peerName(alice)).toBe("Alice");
    expect(peerName(work)).toBe("0x0000…00c1");
    expect(matchesFilter(alice, "ALI")).toBe(true);
    expect(matchesFilter(work, "e2e")).toBe(true);
    expect(matchesFilter(work, "ali")).toBe(false);

    render(<ConversationList tab="messages" onTab={() => {}} conversations={[alice, work]} selected={null} onSelect={() => {}} />);
    const row = screen.getByText("Alice").closest("button")!;
    expect(row.getAttribute("title")).toBe(PEER);
    expect(row.textContent).not.toContain("0x0000");
    expect(row.querySelector("img.avatar")?.getAttribute("src")).toBe(blockieUrl(PEER));
    expect(screen.queryByText(/v1|V1|courier\.test/)).toBeNull();
    const filter = screen.getByLabelText("Filter by name or address");
    fireEvent.change(filter, { target: { value: "ali" } });
    expect(screen.queryByText(/e2e/)).toBeNull();
    expect(screen.getByText("Alice")).toBeTruthy();
    fireEvent.change(filter, { target: { value: "00c1" } });
    expect(screen.queryByText("Alice")).toBeNull();
    expect(screen.getByText(/e2e/)).toBeTruthy();
  });

  it("shows pinned, muted and marked-unread badges, and offers an Archived tab", () => {
    const onTab = vi.fn();
    render(<ConversationList tab="messages" onTab={onTab} conversations={[conv({ pinned: true, muted: true, marked_unread: true })]} selected={null} onSelect={() => {}} />);
    expect(screen.getByRole("img", { name: "Pinned" })).toBeTruthy();
    expect(screen.getByRole("img", { name: "Muted" })).toBeTruthy();
    expect(screen.getByRole("img", { name: "Marked as unread" })).toBeTruthy();
    fireEvent.click(screen.getByRole("tab", { name: "Archived" }));
    expect(onTab).toHaveBeenCalledWith("archived");
  });
});
