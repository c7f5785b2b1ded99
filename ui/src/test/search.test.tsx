// Search (issue #15): the panel's keyboard, labels and marks, hostile snippets shown as text,
// Ctrl+F / Ctrl+Shift+F, and a hit opening its thread at the message. The backend module is
// mocked (no Tauri here); the components, strings and axe-core are real.
import { afterEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import axe from "axe-core";
import type { AppStatus, ConversationView, MessageView, SearchHit } from "../lib/backend";

const ME = "0x00000000000000000000000000000000000000a1";
const conv = (n: number, extra: Partial<ConversationView> = {}): ConversationView => ({
  topic: `/xmtp/0/m-${n}/proto`, version: "v2", peer: `0x${String(n).padStart(40, "0")}`, conversation_id: null, metadata: {},
  created_ns: "1700000000000000000", last_message_ns: "0", last_preview: null, unread: 0, consent: "allowed", draft: "",
  name: null, title: null, pinned: false, muted: false, archived: false, marked_unread: false, ...extra,
});
const LIST = [conv(1, { name: "Alice" }), conv(2)];
const hit = (id: string, topic: string, sender: string, snippet: SearchHit["snippet"]): SearchHit => ({
  id, topic, peer: LIST.find((c) => c.topic === topic)!.peer, sender, sent_ns: "1700000000000000000", snippet,
});
const HITS: SearchHit[] = [
  hit("h1", LIST[0].topic, LIST[0].peer, [{ text: "Lunch at the ", is_match: false }, { text: "Café", is_match: true }]),
  hit("h2", LIST[1].topic, ME, [{ text: "<img src=x onerror=alert(1)> ", is_match: false }, { text: "cafeteria", is_match: true }]),
];
const msg = (id: string, n: number): MessageView => ({
  id, topic: LIST[0].topic, sender: LIST[0].peer, sent_ns: String(1700000000000000000n + BigInt(n) * 1000000000n),
  content_type: "xmtp.org/text:1.0", text: `message ${id}`, state: "received", reply_to: null, quote: null, reactions: [], attachment: null, read: false,
});

vi.mock("../lib/backend", async (orig) => {
  const real = await orig<typeof import("../lib/backend")>();
  return {
    ...real,
    backend: {
      listConversations: vi.fn(async () => LIST),
      subscribe: vi.fn(async () => {}),
      listMessages: vi.fn(async () => [msg("newest", 500)]),
      messagesAround: vi.fn(async (_t: string, id: string) => [msg("before", 1), msg(id, 2), msg("after", 3)]),
      markRead: vi.fn(async () => {}),
      setDraft: vi.fn(async () => {}),
      sendReadReceipt: vi.fn(async () => false),
      appStatus: vi.fn(async () => status),
      listAccounts: vi.fn(async () => []),
      search: vi.fn(async () => HITS),
    },
  };
});

import { backend } from "../lib/backend";
import { Messenger } from "../components/Messenger";
import { SearchPanel } from "../components/SearchPanel";
import { shortcutOf, shortcutList } from "../lib/shortcuts";
import { strings } from "../lib/strings";

const status: AppStatus = {
  address: ME, accounts: [ME],
  node_url: "http://127.0.0.1:5556", embedded_node: true, unadopted_local_node: null, http_gateway_enabled: false, http_gateway: null, profile: "default", keychain: "secret-service",
  keychain_volatile: false, version: "0.1.0", zoom: 1, problem: null, recovery: { has_phrase: true, phrase_confirmed: true }, read_receipts: true,
  notification_privacy: "full", keep_archived: false,
};

afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

const key = (init: KeyboardEventInit, target: EventTarget = document.activeElement ?? document.body) =>
  act(() => { target.dispatchEvent(new KeyboardEvent("keydown", { bubbles: true, cancelable: true, ...init })); });

describe("search", () => {
  it("Ctrl+F searches the open thread, Ctrl+Shift+F everything; both are in the help sheet", () => {
    const k = (init: Partial<KeyboardEvent>) => shortcutOf({ key: "", code: "", ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...init });
    expect(k({ key: "f", ctrlKey: true })).toEqual({ kind: "search", everywhere: false });
    expect(k({ key: "F", code: "KeyF", ctrlKey: true, shiftKey: true })).toEqual({ kind: "search", everywhere: true });
    expect(k({ key: "f" })).toBeNull();
    const whats = shortcutList().map((s) => s.what);
    expect(whats).toContain(strings.search.shortcutThread);
    expect(whats).toContain(strings.search.shortcutAll);
  });

  it("shows hits with who, when and marked matches; hostile text stays text; arrows and Enter pick; axe finds nothing", async () => {
    const onOpen = vi.fn();
    const { container } = render(<SearchPanel topic={null} conversations={LIST} me={ME} onOpen={onOpen} onClose={() => {}} onEverywhere={() => {}} />);
    const input = screen.getByRole("combobox", { name: strings.search.input });
    expect(document.activeElement).toBe(input);
    expect(screen.getByRole("dialog", { name: strings.search.titleAll })).toBeTruthy();
    fireEvent.change(input, { target: { value: "cafe" } });
    await waitFor(() => expect(screen.getAllByRole("option")).toHaveLength(2));
    expect(backend.search).toHaveBeenCalledWith("cafe", null, false, 50);
    expect(screen.getByRole("listbox", { name: strings.search.results })).toBeTruthy();
    expect(screen.getByRole("status").textContent).toBe(strings.search.count(2));
    const [first, second] = screen.getAllByRole("option");
    expect(first.textContent).toContain("Alice");
    expect(first.querySelector("mark")?.textContent).toBe("Café");
    expect(second.textContent).toContain(strings.search.you);
    expect(second.textContent).toContain("<img src=x onerror=alert(1)>");
    expect(container.querySelector("img[src=x]")).toBeNull();
    expect(first.getAttribute("aria-selected")).toBe("true");
    expect(input.getAttribute("aria-activedescendant")).toBe(first.id);

    fireEvent.keyDown(input, { key: "ArrowDown" });
    expect(input.getAttribute("aria-activedescendant")).toBe(second.id);
    fireEvent.keyDown(input, { key: "Enter" });
    expect(onOpen).toHaveBeenCalledWith(HITS[1]);

    const result = await axe.run(container, { rules: { "color-contrast": { enabled: false } } });
    expect(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(" ")}`)).toEqual([]);
  });

  it("a query of punctuation only says nothing matches, never an error", async () => {
    vi.mocked(backend.search).mockRejectedValueOnce({ code: "bad_input", message: "the search has no letters or digits" });
    render(<SearchPanel topic={LIST[0].topic} conversations={LIST} me={ME} onOpen={() => {}} onClose={() => {}} onEverywhere={() => {}} />);
    expect(screen.getByRole("dialog", { name: strings.search.titleThread("Alice") })).toBeTruthy();
    fireEvent.change(screen.getByRole("combobox"), { target: { value: "\"*" } });
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe(strings.search.none));
    expect(screen.queryByRole("alert")).toBeNull();
    expect(backend.search).toHaveBeenCalledWith("\"*", LIST[0].topic, false, 50);
  });

  it("the app's shortcuts wait while a dialog is open", async () => {
    render(<Messenger status={status} onStatus={() => {}} />);
    await screen.findByText("Alice");
    key({ key: "f", ctrlKey: true, shiftKey: true });
    const search = await screen.findByRole("dialog", { name: strings.search.titleAll });
    const asked = vi.mocked(backend.listMessages).mock.calls.length;
    // New conversation, the switcher, the next conversation: none of them behind the dialog.
    key({ key: "n", ctrlKey: true });
    key({ key: "k", ctrlKey: true });
    key({ key: "ArrowDown", altKey: true });
    // The key goes nowhere else either (the web view's find bar): its default is prevented.
    const find = new KeyboardEvent("keydown", { key: "f", ctrlKey: true, bubbles: true, cancelable: true });
    act(() => { document.activeElement?.dispatchEvent(find); });
    expect(find.defaultPrevented).toBe(true);
    expect(screen.getAllByRole("dialog")).toEqual([search]);
    expect(vi.mocked(backend.listMessages).mock.calls.length).toBe(asked);
    // Its own Escape closes it; then they work again.
    fireEvent.keyDown(screen.getByRole("combobox", { name: strings.search.input }), { key: "Escape" });
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    key({ key: "k", ctrlKey: true });
    expect(await screen.findByRole("dialog")).toBeTruthy();
  });

  it("a hit far back opens its thread at the message, centred and highlighted", async () => {
    render(<Messenger status={status} onStatus={() => {}} />);
    await screen.findByText("Alice");
    key({ key: "f", ctrlKey: true, shiftKey: true });
    const input = await screen.findByRole("combobox", { name: strings.search.input });
    fireEvent.change(input, { target: { value: "cafe" } });
    await waitFor(() => expect(screen.getAllByRole("option")).toHaveLength(2));
    fireEvent.keyDown(input, { key: "Enter" });
    await waitFor(() => expect(backend.messagesAround).toHaveBeenCalledWith(LIST[0].topic, "h1", 50));
    expect(screen.queryByRole("dialog")).toBeNull();
    await waitFor(() => expect(document.querySelector('.bubble[data-id="h1"]')).toBeTruthy());
    await waitFor(() => expect(document.querySelector(".bubble.highlighted")?.getAttribute("data-id")).toBe("h1"));
  });
});
