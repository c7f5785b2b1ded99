/// <reference types="vite/client" />
// People, not hex (issue #14, UI side): identicons, names, runs, day labels, the conversation
// menu, the account switcher. The backend module is mocked (no Tauri here); the rest is real.
import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
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
      setNotificationPrivacy: vi.fn(async (level: string) => ({ ...status, notification_privacy: level })),
      setKeepArchived: vi.fn(async (on: boolean) => ({ ...status, keep_archived: on })),
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
import { ConversationSettings } from "../components/ConversationSettings";
import { matches } from "../components/QuickSwitcher";

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

const thread = (c: ConversationView = conv(), more: Partial<Parameters<typeof Thread>[0]> = {}) => {
  const props = { onChanged: vi.fn(), onConsent: vi.fn(), onBack: vi.fn(), onLeave: vi.fn(), ...more };
  const r = render(<Thread conversation={c} me={ME} version={0} {...props} />);
  return { ...r, ...props };
};
const openMenu = () => {
  fireEvent.click(screen.getByRole("button", { name: "Conversation actions" }));
  return screen.getByRole("menu", { name: "Conversation actions" });
};

describe("thread", () => {
  it("names the peer in the header, quotes and reactions; the address is a click away", async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    page = [
      msg("p1", 1, { reactions: [{ emoji: "👍", from: [PEER], mine: false }] }),
      msg("m1", 2, { sender: ME, reply_to: "p1", quote: { id: "p1", sender: PEER, text: "text p1", content_type: "xmtp.org/text:1.0" } }),
    ];
    thread(conv({ name: "Alice" }));
    expect(screen.getByRole("heading", { name: "Alice" }).getAttribute("title")).toBe(PEER);
    await screen.findByText("text m1");
    expect(screen.getByRole("button", { name: /In reply to\s*Alice/ })).toBeTruthy();
    expect(screen.getByRole("button", { name: /👍 1: Alice/ })).toBeTruthy();
    // Named by its visible text (axe: label-content-name-mismatch); the full address in its title.
    const copyPeer = screen.getByTitle(`Copy the address ${PEER}`);
    expect(copyPeer.getAttribute("aria-label")).toBeNull();
    fireEvent.click(copyPeer);
    expect(writeText).toHaveBeenCalledWith(PEER);
  });

  it("shows the avatar at the start of a peer's run, the time once per run, rows as .thread-row", async () => {
    page = [msg("p1", 1), msg("p2", 2), msg("p3", 3), msg("m1", 4, { sender: ME, state: "sent" })];
    const { container } = thread();
    await screen.findByText("text m1");
    expect(container.querySelectorAll(".thread-row .avatar").length).toBe(1);
    expect(container.querySelectorAll(".bubble time").length).toBe(2); // the peer's run and own run
    expect(container.querySelectorAll(".row").length).toBe(0);
    expect(container.querySelectorAll(".thread-row").length).toBe(5); // a day and four messages
    expect(screen.getByText("Sent").closest(".bubble")?.getAttribute("data-id")).toBe("m1");
  });

  it("shows delivery as icons with labels; a failed one offers Retry", async () => {
    page = [msg("m1", 1, { sender: ME, state: "pending" }), msg("m2", 2, { sender: ME, state: "failed" })];
    thread();
    expect((await screen.findByText("Sending")).closest(".bubble")?.getAttribute("data-id")).toBe("m1");
    expect(screen.getByText("Not sent").closest(".state")?.querySelector("svg")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Retry sending this message" }));
    expect(backend.retryMessage).toHaveBeenCalledWith("m2");
  });

  it("keeps protocol words out of the header until Advanced", () => {
    thread(conv({ version: "v1", conversation_id: "courier.test/e2e", title: "e2e" }));
    expect(screen.getByText("e2e")).toBeTruthy();
    expect(screen.queryByText(/V1|courier\.test|Conversation id/)).toBeNull();
    fireEvent.click(within(openMenu()).getByRole("menuitem", { name: "Advanced" }));
    const details = screen.getByRole("region", { name: "Advanced details" });
    expect(within(details).getByText("XMTP V1")).toBeTruthy();
    expect(within(details).getByText("courier.test/e2e")).toBeTruthy();
    expect(within(details).getByText(TOPIC)).toBeTruthy();
  });

  it("closes Advanced on Escape, with the focus back on the menu button", async () => {
    thread(conv({ conversation_id: "courier.test/e2e" }));
    fireEvent.click(within(openMenu()).getByRole("menuitem", { name: "Advanced" }));
    const details = screen.getByRole("region", { name: "Advanced details" });
    expect(details.contains(document.activeElement)).toBe(true);
    fireEvent.keyDown(document.activeElement!, { key: "Escape" });
    expect(screen.queryByRole("region", { name: "Advanced details" })).toBeNull();
    await waitFor(() => expect(document.activeElement?.id).toBe("conversation-menu"));
  });
});

describe("conversation menu", () => {
  it("is a keyboard menu whose items set the flags through the backend", async () => {
    const t = thread(conv({ pinned: true }));
    const menu = openMenu();
    const items = within(menu).getAllByRole("menuitem").map((i) => i.textContent);
    expect(items).toEqual(["Unpin", "Mute", "Archive", "Mark as unread", "Edit name", "Block", "Advanced"]);
    expect(document.activeElement?.textContent).toBe("Unpin");
    fireEvent.keyDown(menu, { key: "ArrowDown" });
    expect(document.activeElement?.textContent).toBe("Mute");
    fireEvent.click(document.activeElement!);
    await waitFor(() => expect(backend.setConversationFlag).toHaveBeenCalledWith(TOPIC, "muted", true));
    await waitFor(() => expect(t.onChanged).toHaveBeenCalled());
    expect(screen.queryByRole("menu")).toBeNull();

    fireEvent.click(within(openMenu()).getByRole("menuitem", { name: "Unpin" }));
    await waitFor(() => expect(backend.setConversationFlag).toHaveBeenCalledWith(TOPIC, "pinned", false));
    fireEvent.click(within(openMenu()).getByRole("menuitem", { name: "Mark as unread" }));
    await waitFor(() => expect(backend.setConversationFlag).toHaveBeenCalledWith(TOPIC, "unread", true));
    await waitFor(() => expect(t.onLeave).toHaveBeenCalled());
    fireEvent.click(within(openMenu()).getByRole("menuitem", { name: "Archive" }));
    await waitFor(() => expect(backend.setConversationFlag).toHaveBeenCalledWith(TOPIC, "archived", true));
  });

  it("edits the name, saying names stay on this computer; an empty name removes it", async () => {
    const t = thread(conv({ name: "Al" }));
    fireEvent.click(within(openMenu()).getByRole("menuitem", { name: "Edit name" }));
    const dialog = screen.getByRole("dialog");
    expect(dialog.textContent).toContain("Names stay on this computer");
    const input = within(dialog).getByLabelText("Name") as HTMLInputElement;
    expect(document.activeElement).toBe(input);
    fireEvent.change(input, { target: { value: "  Alice  " } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(backend.setContactName).toHaveBeenCalledWith(PEER, "Alice"));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(t.onChanged).toHaveBeenCalled();

    fireEvent.click(within(openMenu()).getByRole("menuitem", { name: "Edit name" }));
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: " " } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(backend.setContactName).toHaveBeenLastCalledWith(PEER, null));
  });

  it("blocks only after a confirmation that says what it does and where to undo it", async () => {
    const t = thread(conv({ name: "Alice" }));
    fireEvent.click(within(openMenu()).getByRole("menuitem", { name: "Block" }));
    let dialog = screen.getByRole("alertdialog", { name: "Block Alice?" });
    expect(dialog.textContent).toMatch(/no more messages or notifications/);
    expect(dialog.textContent).toMatch(/undo.*Blocked/);
    fireEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("alertdialog")).toBeNull();
    fireEvent.keyDown(document.activeElement!, { key: "Escape" });
    expect(backend.setConsent).not.toHaveBeenCalled();

    fireEvent.click(within(openMenu()).getByRole("menuitem", { name: "Block" }));
    dialog = screen.getByRole("alertdialog");
    fireEvent.keyDown(dialog, { key: "Escape" });
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(backend.setConsent).not.toHaveBeenCalled();

    fireEvent.click(within(openMenu()).getByRole("menuitem", { name: "Block" }));
    fireEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Block" }));
    await waitFor(() => expect(backend.setConsent).toHaveBeenCalledWith(PEER, false));
    await waitFor(() => expect(t.onConsent).toHaveBeenCalledWith(false));
  });

  it("offers Accept, not Block, in the Blocked tab", () => {
    thread(conv({ consent: "denied" }));
    expect(screen.getByRole("button", { name: "Accept" })).toBeTruthy();
    expect(within(openMenu()).queryByRole("menuitem", { name: "Block" })).toBeNull();
  });
});

describe("names and titles in a right-to-left script", () => {
  it("are isolated, so they cannot reorder the text around them", () => {
    const c = conv({ name: "אליס", title: "עבודה", topic: "/rtl" });
    render(<ConversationList tab="messages" onTab={() => {}} conversations={[c]} selected={null} onSelect={() => {}} />);
    expect(screen.getByText("אליס").tagName).toBe("BDI");
    expect(screen.getByText("עבודה").tagName).toBe("BDI");
  });
});

describe("search ranking", () => {
  // A stranger picks their conversation's title: "Alice" must not outrank the contact named Alice.
  const stranger = conv({ peer: OTHER, title: "Alice", topic: "/s", consent: "unknown" });
  const alice = conv({ name: "Alice", topic: "/a" });
  const titled00c1 = conv({ peer: PEER, title: "00c1", topic: "/t" });
  const bob = conv({ peer: OTHER, name: "Bob", topic: "/b" });

  it("ranks local names and addresses before peer-chosen titles, in the quick switcher", () => {
    expect(matches([stranger, alice], "alice").map((c) => c.topic)).toEqual(["/a", "/s"]);
    expect(matches([titled00c1, bob], "00c1").map((c) => c.topic)).toEqual(["/b", "/t"]);
    expect(matches([stranger, alice], "").map((c) => c.topic)).toEqual(["/s", "/a"]); // no query: list order
  });

  it("ranks them so in the list filter too", () => {
    render(<ConversationList tab="messages" onTab={() => {}} conversations={[stranger, alice]} selected={null} onSelect={() => {}} />);
    fireEvent.change(screen.getByRole("textbox"), { target: { value: "Alice" } });
    const rowsShown = screen.getAllByRole("button").filter((b) => b.getAttribute("data-topic") !== null || b.title);
    expect(rowsShown.map((b) => b.title)).toEqual([PEER, OTHER]);
  });

  it("Ctrl+K finds archived conversations too, and opens their tab", async () => {
    const archived = conv({ peer: OTHER, name: "Bob", topic: "/archived", archived: true });
    vi.mocked(backend.listConversations).mockImplementation(async (tab) =>
      tab === "archived" ? [archived] : tab === "messages" ? [alice] : []);
    onTestFinished(() => { vi.mocked(backend.listConversations).mockImplementation(async () => listed); });
    render(<Messenger status={status} onStatus={() => {}} />);
    await screen.findByText("Alice");
    act(() => { window.dispatchEvent(new KeyboardEvent("keydown", { key: "k", ctrlKey: true, bubbles: true })); });
    fireEvent.change(await screen.findByRole("combobox"), { target: { value: "bob" } });
    const option = await screen.findByRole("option", { name: /Bob/ });
    fireEvent.mouseDown(option);
    expect(await screen.findByRole("heading", { name: "Bob" })).toBeTruthy();
    expect(screen.getByRole("tab", { selected: true }).textContent).toMatch(/Archived/);
  });
});

describe("account switcher", () => {
  it("lists the accounts with their unread counts, switches, and adds one", async () => {
    accounts = [
      { address: ME, name: null, unread: 0, active: true },
      { address: OTHER, name: "Work", unread: 3, active: false },
    ];
    const onStatus = vi.fn();
    const onAdd = vi.fn();
    render(<AccountSwitcher address={ME} onStatus={onStatus} onAdd={onAdd} onError={() => {}} />);
    const button = await screen.findByRole("button", { name: /3 unread in other accounts/ });
    expect(button.querySelector("img.avatar")?.getAttribute("src")).toBe(blockieUrl(ME));
    fireEvent.click(button);
    const menu = await screen.findByRole("menu", { name: "Accounts" });
    expect(within(menu).getByRole("menuitem", { name: "0x0000…00a1 (open)" })).toBeTruthy();
    fireEvent.click(within(menu).getByRole("menuitem", { name: "Work, 3 unread" }));
    await waitFor(() => expect(backend.switchAccount).toHaveBeenCalledWith(OTHER));
    await waitFor(() => expect(onStatus).toHaveBeenCalledWith(expect.objectContaining({ address: OTHER })));

    fireEvent.click(button);
    fireEvent.click(within(await screen.findByRole("menu")).getByRole("menuitem", { name: "Add account" }));
    expect(onAdd).toHaveBeenCalled();
  });

  it("reads the other accounts' counts when it opens, not on every burst", async () => {
    accounts = [{ address: ME, name: null, unread: 0, active: true }];
    listed = [conv({ name: "Alice" })];
    render(<Messenger status={status} onStatus={() => {}} />);
    await screen.findByText("Alice");
    await waitFor(() => expect(emit).not.toBeNull());
    await waitFor(() => expect(backend.listAccounts).toHaveBeenCalledTimes(1));
    for (let i = 0; i < 5; i++) {
      act(() => emit!({ type: "message_added", topic: TOPIC, id: `m${i}` }));
      await new Promise((r) => setTimeout(r, 80));
    }
    await waitFor(() => expect(backend.listConversations).toHaveBeenCalledTimes(6));
    expect(backend.listAccounts).toHaveBeenCalledTimes(1);
    fireEvent.click(screen.getByRole("button", { name: /Accounts/ }));
    await waitFor(() => expect(backend.listAccounts).toHaveBeenCalledTimes(2));
  });

  it("names the open account (a local name for its own address)", async () => {
    accounts = [{ address: ME, name: null, unread: 0, active: true }];
    render(<AccountSwitcher address={ME} onStatus={() => {}} onAdd={() => {}} onError={() => {}} />);
    fireEvent.click(await screen.findByRole("button", { name: /Accounts/ }));
    fireEvent.click(within(await screen.findByRole("menu")).getByRole("menuitem", { name: "Name this account" }));
    fireEvent.change(await screen.findByLabelText("Name"), { target: { value: "Work" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(backend.setContactName).toHaveBeenCalledWith(ME, "Work"));
  });
});

describe("messenger", () => {
  it("opens the conversation a notification names", async () => {
    listed = [conv({ name: "Alice" })];
    render(<Messenger status={status} onStatus={() => {}} />);
    await screen.findByText("Alice");
    await waitFor(() => expect(emit).not.toBeNull());
    expect(screen.queryByRole("heading", { name: "Alice" })).toBeNull();
    act(() => emit!({ type: "open_conversation", topic: TOPIC }));
    expect(await screen.findByRole("heading", { name: "Alice" })).toBeTruthy();
  });

  it("opens a notification's archived conversation in the Archived tab", async () => {
    const alice = conv({ name: "Alice", topic: "/a" });
    const bob = conv({ peer: OTHER, name: "Bob", topic: "/archived", archived: true });
    vi.mocked(backend.listConversations).mockImplementation(async (tab) =>
      tab === "archived" ? [bob] : tab === "messages" ? [alice] : []);
    onTestFinished(() => { vi.mocked(backend.listConversations).mockImplementation(async () => listed); });
    render(<Messenger status={status} onStatus={() => {}} />);
    await screen.findByText("Alice");
    await waitFor(() => expect(emit).not.toBeNull());
    act(() => emit!({ type: "open_conversation", topic: "/archived" }));
    expect(await screen.findByRole("heading", { name: "Bob" })).toBeTruthy();
    expect(screen.getByRole("tab", { selected: true }).textContent).toMatch(/Archived/);
  });

  it("keeps a half-typed New conversation open when a notification is followed", async () => {
    listed = [conv({ name: "Alice" })];
    render(<Messenger status={status} onStatus={() => {}} />);
    await screen.findByText("Alice");
    await waitFor(() => expect(emit).not.toBeNull());
    fireEvent.click(screen.getByRole("button", { name: "New conversation" }));
    fireEvent.change(screen.getByLabelText("First message"), { target: { value: "half a thought" } });
    act(() => emit!({ type: "open_conversation", topic: TOPIC }));
    expect((screen.getByLabelText("First message") as HTMLTextAreaElement).value).toBe("half a thought");
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(await screen.findByRole("heading", { name: "Alice" })).toBeTruthy();
  });
});

describe("conversation settings", () => {
  it("set the notification privacy level and whether archived conversations stay archived", async () => {
    const onStatus = vi.fn();
    render(<ConversationSettings status={status} onStatus={onStatus} onError={() => {}} />);
    expect((screen.getByLabelText("The name and the message") as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByLabelText("The name only"));
    await waitFor(() => expect(backend.setNotificationPrivacy).toHaveBeenCalledWith("name_only"));
    await waitFor(() => expect(onStatus).toHaveBeenCalledWith(expect.objectContaining({ notification_privacy: "name_only" })));
    fireEvent.click(screen.getByRole("switch", { name: /Keep archived conversations archived/ }));
    await waitFor(() => expect(backend.setKeepArchived).toHaveBeenCalledWith(true));
  });
});

describe("thread row CSS", () => {
  it("gives .thread-row no margin (the virtual list measures offsetHeight, which leaves margins out)", async () => {
    // Read from disk: Vitest hands CSS imports (even ?raw) over as empty strings.
    const fs = (await import(/* @vite-ignore */ "node:fs" as string)) as { readFileSync: (p: string, enc: "utf8") => string };
    const css = fs.readFileSync("src/styles.css", "utf8"); // Vitest runs in ui/
    expect(css).toMatch(/\.thread-row/);
    const rules = [...css.replace(/\/\*[\s\S]*?\*\//g, "").matchAll(/([^{}]+)\{([^}]*)\}/g)].map((m) => ({ sel: m[1].trim(), body: m[2] }));
    // Rules whose subject (the last compound of a selector) is a thread row.
    const onRow = rules.filter((r) => r.sel.split(",").some((x) => /\.thread-row[^\s>+~]*$/.test(x.trim())));
    expect(onRow.length).toBeGreaterThan(0);
    for (const r of onRow) {
      for (const [, prop, value] of r.body.matchAll(/(margin[\w-]*)\s*:\s*([^;]+)/g)) expect(`${r.sel} ${prop}: ${value.trim()}`).toBe(`${r.sel} ${prop}: 0`);
    }
    // The generic .row (a flex line with a top margin) is not what thread rows use.
    expect(rules.find((r) => r.sel === ".row")?.body).toMatch(/margin-(top|block-start)/);
  });
});
