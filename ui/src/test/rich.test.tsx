// Rich conversations (issue #13): the backend module is mocked (no Tauri here); everything else is real.
import { afterEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { AppStatus, ConversationView, MessageView } from "../lib/backend";

const ME = "0x00000000000000000000000000000000000000a1";
const PEER = "0x00000000000000000000000000000000000000b1";
const TOPIC = "/xmtp/0/m-t/proto";

const msg = (id: string, s: number, over: Partial<MessageView> = {}): MessageView => ({
  id, topic: TOPIC, sender: PEER, sent_ns: `${1_700_000_000 + s}000000000`, content_type: "xmtp.org/text:1.0", text: `text ${id}`,
  state: "received", reply_to: null, quote: null, reactions: [], attachment: null, read: false, ...over,
});

let page: MessageView[] = [];
let dropped: ((paths: string[]) => void) | null = null;

vi.mock("../lib/backend", async (orig) => {
  const real = await orig<typeof import("../lib/backend")>();
  return {
    ...real,
    backend: {
      listMessages: vi.fn(async () => page),
      markRead: vi.fn(async () => {}),
      setDraft: vi.fn(async () => {}),
      sendMessage: vi.fn(async (args) => msg("sent", 99, { sender: ME, text: args.text, reply_to: args.reply_to, state: "pending" })),
      sendAttachment: vi.fn(async (args) => msg("file", 98, { sender: ME, text: args.filename })),
      sendFiles: vi.fn(async () => []),
      react: vi.fn(async (id: string) => page.find((m) => m.id === id)!),
      messagesAround: vi.fn(async (_t: string, id: string) => [msg("old1", 1), msg(id, 2), msg("old3", 3)]),
      attachmentBytes: vi.fn(async () => new Uint8Array([137, 80, 78, 71]).buffer),
      saveAttachment: vi.fn(async () => "/home/u/file.pdf"),
      openLink: vi.fn(async () => {}),
      setReadReceipts: vi.fn(async (enabled: boolean) => ({ ...status, read_receipts: enabled })),
      sendReadReceipt: vi.fn(async () => {}),
      setConsent: vi.fn(async () => {}),
      onFilesDropped: vi.fn(async (h: (paths: string[]) => void) => { dropped = h; return () => { dropped = null; }; }),
    },
  };
});

import { backend } from "../lib/backend";
import { linkify } from "../lib/links";
import { humanSize, isInlineImage } from "../lib/files";
import { EMOJI } from "../lib/emoji";
import { Composer } from "../components/Composer";
import { Thread } from "../components/Thread";
import { EmojiPicker } from "../components/EmojiPicker";
import { Bubble, type BubbleActions } from "../components/Bubble";
import { LinkedText } from "../components/LinkedText";
import { Settings } from "../components/Settings";
import { ChangeFeed } from "../lib/outbox";

afterEach(() => { cleanup(); vi.clearAllMocks(); page = []; });

const conv: ConversationView = {
  topic: TOPIC, version: "v2", peer: PEER, conversation_id: null, metadata: {},
  created_ns: "1", last_message_ns: "0", last_preview: null, unread: 0, consent: "allowed", draft: "",
  name: null, title: null, pinned: false, muted: false, archived: false, marked_unread: false,
};
const status: AppStatus = {
  address: ME, accounts: [ME], node_url: "http://127.0.0.1:5556", embedded_node: true, unadopted_local_node: null, http_gateway_enabled: false,
  http_gateway: null, profile: "default", keychain: "secret-service", keychain_volatile: false, version: "0.1.0", zoom: 1, problem: null,
  recovery: null, read_receipts: true, notification_privacy: "full", keep_archived: false,
};
const thread = () => render(<Thread conversation={conv} me={ME} version={0} onChanged={() => {}} onConsent={() => {}} onBack={() => {}} />);
const noActions = (): BubbleActions => ({ onReply: vi.fn(), onJump: vi.fn(), onReact: vi.fn(), onError: vi.fn() });

describe("links", () => {
  it("finds http, https and mailto only; javascript: and data: stay text", () => {
    const segs = linkify("see https://example.com/a?b=1, mail mailto:bob@example.com; javascript:alert(1) data:text/html,<b>x</b> JAVASCRIPT://x");
    expect(segs.filter((s) => s.kind === "link").map((s) => s.kind === "link" && s.url)).toEqual(["https://example.com/a?b=1", "mailto:bob@example.com"]);
    expect(segs.map((s) => s.text).join("")).toBe("see https://example.com/a?b=1, mail mailto:bob@example.com; javascript:alert(1) data:text/html,<b>x</b> JAVASCRIPT://x");
    expect(linkify("javascript:alert('https')")).toEqual([{ kind: "text", text: "javascript:alert('https')" }]);
    expect(linkify("(https://en.wikipedia.org/wiki/Foo_(bar)).")[1]).toEqual({ kind: "link", text: "https://en.wikipedia.org/wiki/Foo_(bar)", url: "https://en.wikipedia.org/wiki/Foo_(bar)" });
    expect(linkify("http:// and https:/// alone").every((s) => s.kind === "text")).toBe(true);
  });

  it("renders links as buttons that open through the backend with the URL as title, and never HTML", () => {
    const { container } = render(<p><LinkedText text={"go to http://example.org now <img src=x onerror=alert(1)> javascript:alert(1)"} /></p>);
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("a")).toBeNull();
    const buttons = screen.getAllByRole("button");
    expect(buttons.map((b) => b.textContent)).toEqual(["http://example.org"]);
    expect(buttons[0].title).toBe("http://example.org");
    fireEvent.click(buttons[0]);
    expect(backend.openLink).toHaveBeenCalledWith("http://example.org");
    expect(container.textContent).toContain("<img src=x onerror=alert(1)> javascript:alert(1)");
  });
});

describe("files", () => {
  it("shows only png, jpeg, gif and webp inline, and sizes for people", () => {
    expect(["image/png", "image/JPEG", "image/gif", "image/webp"].every(isInlineImage)).toBe(true);
    expect(isInlineImage("image/svg+xml")).toBe(false);
    expect(isInlineImage("text/html")).toBe(false);
    expect(humanSize(512)).toBe("512 B");
    expect(humanSize(1536)).toBe("1.5 KB");
    expect(humanSize(20 * 1024 * 1024)).toBe("20 MB");
  });
});

describe("Thread", () => {
  it("a reaction chip names who reacted and toggles this account's own reaction", async () => {
    page = [msg("a", 1, { reactions: [{ emoji: "👍", from: [PEER, ME], mine: true }, { emoji: "🎉", from: [PEER], mine: false }] })];
    thread();
    const chip = await screen.findByRole("button", { name: /^👍 2:/ });
    expect(chip.getAttribute("aria-label")).toContain("0x0000…00b1, you");
    expect(chip.title).toContain(PEER);
    expect(chip.getAttribute("aria-pressed")).toBe("true");
    fireEvent.click(chip);
    await waitFor(() => expect(backend.react).toHaveBeenCalledWith("a", "👍", true));
    fireEvent.click(screen.getByRole("button", { name: /^🎉 1:/ }));
    await waitFor(() => expect(backend.react).toHaveBeenCalledWith("a", "🎉", false));
  });

  it("a quote whose target is not loaded loads the page around it, and shows the target", async () => {
    page = [msg("r", 50, { reply_to: "far", quote: { id: "far", sender: ME, text: "the original\nsecond line", content_type: "xmtp.org/text:1.0" }, text: "my reply" })];
    thread();
    const quote = await screen.findByRole("button", { name: /In reply to\s*you\s*the original/i });
    expect(quote.textContent).not.toContain("second line");
    fireEvent.click(quote);
    await waitFor(() => expect(backend.messagesAround).toHaveBeenCalledWith(TOPIC, "far", 50));
    expect(await screen.findByText("text far")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Jump to the newest messages" })).toBeTruthy();
  });

  it("a quote whose target is loaded does not ask the backend", async () => {
    page = [msg("near", 1), msg("r", 2, { reply_to: "near", quote: { id: "near", sender: PEER, text: "x", content_type: "xmtp.org/text:1.0" } })];
    thread();
    fireEvent.click(await screen.findByRole("button", { name: /In reply to/ }));
    await new Promise((r) => setTimeout(r, 20));
    expect(backend.messagesAround).not.toHaveBeenCalled();
  });

  it("shows Read only on the newest own message the peer has read", async () => {
    page = [msg("m1", 1, { sender: ME, state: "sent", read: true }), msg("m2", 2, { sender: ME, state: "sent", read: true }), msg("m3", 3, { sender: ME, state: "sent" })];
    thread();
    await screen.findByText("text m3");
    const reads = screen.getAllByText(/Read/);
    expect(reads.length).toBe(1);
    expect(reads[0].closest(".bubble")?.getAttribute("data-id")).toBe("m2");
  });

  it("sends a read receipt once for a new peer message seen with the window focused", async () => {
    const focus = vi.spyOn(document, "hasFocus").mockReturnValue(true);
    page = [msg("p1", 1, { topic: TOPIC })];
    const conv2 = { ...conv, topic: "/receipts" };
    page = page.map((m) => ({ ...m, topic: conv2.topic }));
    const { rerender } = render(<Thread conversation={conv2} me={ME} version={0} onChanged={() => {}} onConsent={() => {}} onBack={() => {}} />);
    await waitFor(() => expect(backend.sendReadReceipt).toHaveBeenCalledWith("/receipts"));
    rerender(<Thread conversation={conv2} me={ME} version={1} onChanged={() => {}} onConsent={() => {}} onBack={() => {}} />);
    await act(async () => { window.dispatchEvent(new Event("focus")); });
    expect(backend.sendReadReceipt).toHaveBeenCalledTimes(1);
    focus.mockReturnValue(false);
    page = [...page, msg("p2", 2, { topic: conv2.topic })];
    rerender(<Thread conversation={conv2} me={ME} version={2} onChanged={() => {}} onConsent={() => {}} onBack={() => {}} />);
    await screen.findByText("text p2");
    expect(backend.sendReadReceipt).toHaveBeenCalledTimes(1);
    focus.mockReturnValue(true);
    await act(async () => { window.dispatchEvent(new Event("focus")); });
    expect(backend.sendReadReceipt).toHaveBeenCalledTimes(2);
    cleanup();
    // Not to a request (consent unknown), nor with the setting off.
    const request = { ...conv, topic: "/request", consent: "unknown" as const };
    page = [msg("q1", 1, { topic: request.topic })];
    render(<Thread conversation={request} me={ME} version={0} onChanged={() => {}} onConsent={() => {}} onBack={() => {}} />);
    await screen.findByText("text q1");
    cleanup();
    const off = { ...conv, topic: "/off" };
    page = [msg("o1", 1, { topic: off.topic })];
    render(<Thread conversation={off} me={ME} version={0} readReceipts={false} onChanged={() => {}} onConsent={() => {}} onBack={() => {}} />);
    await screen.findByText("text o1");
    await act(async () => { window.dispatchEvent(new Event("focus")); });
    expect(backend.sendReadReceipt).toHaveBeenCalledTimes(2);
    focus.mockRestore();
  });

  it("shows an image attachment as a thumbnail from its bytes, and opens it in a dialog that Escape closes", async () => {
    const create = vi.fn(() => "blob:courier/1");
    Object.assign(URL, { createObjectURL: create, revokeObjectURL: vi.fn() });
    page = [msg("img", 1, { content_type: "xmtp.org/attachment:1.0", text: "cat.png", attachment: { filename: "cat.png", mime_type: "image/png", size: 4, remote: false, available: true } })];
    thread();
    const open = await screen.findByRole("button", { name: "Open cat.png larger" });
    await waitFor(() => expect((open.querySelector("img") as HTMLImageElement | null)?.getAttribute("src")).toBe("blob:courier/1"));
    expect(backend.attachmentBytes).toHaveBeenCalledWith("img");
    open.focus();
    fireEvent.click(open);
    const dialog = screen.getByRole("dialog", { name: "Image cat.png" });
    expect(document.activeElement?.textContent).toBe("Close");
    fireEvent.keyDown(dialog, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(open);
  });

  it("a remote file not yet here waits for Download and shows the backend's refusal", async () => {
    vi.mocked(backend.attachmentBytes).mockRejectedValueOnce({ code: "bad_input", message: "not fetched for a conversation you have not accepted" });
    page = [msg("f", 1, { content_type: "xmtp.org/remoteStaticAttachment:1.0", text: "report.pdf", attachment: { filename: "report.pdf", mime_type: "application/pdf", size: 2_000_000, remote: true, available: false } })];
    thread();
    const download = await screen.findByRole("button", { name: "Download report.pdf (1.9 MB)" });
    expect(backend.attachmentBytes).not.toHaveBeenCalled();
    fireEvent.click(download);
    expect((await screen.findByRole("alert")).textContent).toBe("not fetched for a conversation you have not accepted");
  });
});

describe("Thread: changes and drops", () => {
  it("reloads a loaded message when it changes, and ignores others", async () => {
    page = [msg("a", 1), msg("b", 2)];
    const changes = new ChangeFeed();
    render(<Thread conversation={conv} me={ME} version={0} changes={changes} onChanged={() => {}} onConsent={() => {}} onBack={() => {}} />);
    await screen.findByText("text b");
    vi.mocked(backend.messagesAround).mockResolvedValueOnce([msg("a", 1, { reactions: [{ emoji: "🔥", from: [PEER], mine: false }] }), msg("zz", 9)]);
    act(() => changes.emit(TOPIC, "a"));
    expect(await screen.findByRole("button", { name: /^🔥 1:/ })).toBeTruthy();
    expect(backend.messagesAround).toHaveBeenCalledWith(TOPIC, "a", 1);
    expect(screen.queryByText("text zz")).toBeNull();
    act(() => changes.emit(TOPIC, "not-loaded"));
    act(() => changes.emit("/other", "a"));
    expect(backend.messagesAround).toHaveBeenCalledTimes(1);
  });

  it("reloads the newest page when the peer read further, so own messages show Read", async () => {
    page = [msg("a", 1, { sender: ME })];
    const changes = new ChangeFeed();
    render(<Thread conversation={conv} me={ME} version={0} changes={changes} onChanged={() => {}} onConsent={() => {}} onBack={() => {}} />);
    await screen.findByText("text a");
    const calls = vi.mocked(backend.listMessages).mock.calls.length;
    page = [msg("a", 1, { sender: ME, read: true })];
    act(() => changes.emit("/other", null));
    expect(vi.mocked(backend.listMessages).mock.calls.length).toBe(calls);
    act(() => changes.emit(TOPIC, null));
    await waitFor(() => expect(vi.mocked(backend.listMessages).mock.calls.length).toBe(calls + 1));
    expect((await screen.findByText(/Read/, { selector: ".state.read > .sr-only" })).textContent).toContain("Read");
  });

  it("sends files dropped on the window by path, and HTML-dropped files by bytes", async () => {
    page = [msg("a", 1)];
    const { container } = thread();
    await screen.findByText("text a");
    await waitFor(() => expect(dropped).not.toBeNull());
    act(() => dropped!(["/home/u/a.png", "/home/u/b.pdf"]));
    await waitFor(() => expect(backend.sendFiles).toHaveBeenCalledWith({ topic: TOPIC, paths: ["/home/u/a.png", "/home/u/b.pdf"] }));
    // An HTML drop right after the same gesture's Tauri event is the same drop: not sent twice.
    const file = new File([new Uint8Array([7, 8])], "c.txt", { type: "text/plain" });
    fireEvent.drop(container.querySelector(".thread")!, { dataTransfer: { files: [file], items: [], types: ["Files"] } });
    expect(backend.sendAttachment).not.toHaveBeenCalled();
    const now = Date.now();
    const later = vi.spyOn(Date, "now").mockReturnValue(now + 5000);
    fireEvent.drop(container.querySelector(".thread")!, { dataTransfer: { files: [file], items: [], types: ["Files"] } });
    await waitFor(() => expect(backend.sendAttachment).toHaveBeenCalledWith({ topic: TOPIC, filename: "c.txt", mime_type: "text/plain", data: [7, 8], reply_to: null }));
    later.mockRestore();
  });
});

describe("Composer", () => {
  it("shows what is replied to, sends reply_to, and clears the reply", async () => {
    const onSent = vi.fn();
    const onCancel = vi.fn();
    const target = msg("t1", 1, { text: "lunch at noon?\nor later" });
    render(<Composer conversation={conv} me={ME} replyTo={target} onCancelReply={onCancel} onSent={onSent} />);
    expect(screen.getByText(/^Replying to/).textContent).toBe("Replying to 0x0000…00b1: lunch at noon?");
    const box = screen.getByLabelText("Message");
    fireEvent.change(box, { target: { value: "yes" } });
    fireEvent.keyDown(box, { key: "Enter" });
    await waitFor(() => expect(onSent).toHaveBeenCalled());
    expect(backend.sendMessage).toHaveBeenCalledWith({ peer: PEER, text: "yes", conversation_id: null, v1: false, reply_to: "t1" });
    expect(onCancel).toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Cancel reply" }));
    expect(onCancel).toHaveBeenCalledTimes(2);
  });

  it("sends a pasted image as an attachment with its bytes", async () => {
    const onSent = vi.fn();
    render(<Composer conversation={conv} onSent={onSent} />);
    const file = new File([new Uint8Array([1, 2, 3])], "shot.png", { type: "image/png" });
    fireEvent.paste(screen.getByLabelText("Message"), { clipboardData: { files: [file], items: [] } });
    await waitFor(() => expect(onSent).toHaveBeenCalled());
    expect(backend.sendAttachment).toHaveBeenCalledWith({ topic: TOPIC, filename: "shot.png", mime_type: "image/png", data: [1, 2, 3], reply_to: null });
  });

  it("leaves a text paste to the textarea", () => {
    render(<Composer conversation={conv} onSent={() => {}} />);
    fireEvent.paste(screen.getByLabelText("Message"), { clipboardData: { files: [], items: [] } });
    expect(backend.sendAttachment).not.toHaveBeenCalled();
  });
});

describe("EmojiPicker", () => {
  it("moves with the arrow keys by row and column, picks, and closes on Escape", () => {
    const onPick = vi.fn();
    const onClose = vi.fn();
    render(<EmojiPicker onPick={onPick} onClose={onClose} />);
    const grid = screen.getByRole("grid", { name: "Choose an emoji" });
    const cells = screen.getAllByRole("gridcell");
    expect(cells.length).toBe(EMOJI.length);
    expect(cells.length).toBeGreaterThanOrEqual(50);
    expect(document.activeElement).toBe(cells[0]);
    expect(cells[0].getAttribute("aria-label")).toBe("thumbs up");
    fireEvent.keyDown(grid, { key: "ArrowRight" });
    expect(document.activeElement).toBe(cells[1]);
    fireEvent.keyDown(grid, { key: "ArrowDown" });
    expect(document.activeElement).toBe(cells[9]);
    fireEvent.keyDown(grid, { key: "End" });
    expect(document.activeElement).toBe(cells[15]);
    fireEvent.keyDown(grid, { key: "Home", ctrlKey: true });
    expect(document.activeElement).toBe(cells[0]);
    fireEvent.keyDown(grid, { key: "ArrowUp" });
    expect(document.activeElement).toBe(cells[0]);
    expect(cells.filter((c) => c.tabIndex === 0)).toEqual([cells[0]]);
    fireEvent.click(document.activeElement!);
    expect(onPick).toHaveBeenCalledWith("👍");
    fireEvent.keyDown(grid, { key: "Escape" });
    expect(onClose).toHaveBeenCalled();
  });
});

describe("Bubble menu", () => {
  it("opens from the … button, moves with the arrows, chooses, and Escape gives focus back", () => {
    const actions = noActions();
    const m = msg("a", 1);
    render(<Bubble m={m} me={ME} mine={false} showRead={false} highlighted={false} actions={actions} />);
    const more = screen.getByRole("button", { name: "Message actions" });
    fireEvent.click(more);
    const menu = screen.getByRole("menu");
    const items = screen.getAllByRole("menuitem");
    expect(items.map((i) => i.textContent)).toEqual(["Reply", "React…", "Copy text"]);
    expect(document.activeElement).toBe(items[0]);
    fireEvent.keyDown(menu, { key: "ArrowDown" });
    expect(document.activeElement).toBe(items[1]);
    fireEvent.keyDown(menu, { key: "ArrowUp" });
    fireEvent.keyDown(menu, { key: "ArrowUp" });
    expect(document.activeElement).toBe(items[2]);
    fireEvent.keyDown(menu, { key: "Escape" });
    expect(screen.queryByRole("menu")).toBeNull();
    expect(document.activeElement).toBe(more);
    fireEvent.contextMenu(screen.getByText("text a"));
    fireEvent.click(screen.getAllByRole("menuitem")[0]);
    expect(actions.onReply).toHaveBeenCalledWith(m);
  });

  it("React… opens the picker and a pick reacts; an attachment offers Save", () => {
    const actions = noActions();
    const m = msg("f", 1, { attachment: { filename: "a.pdf", mime_type: "application/pdf", size: 10, remote: false, available: true } });
    render(<Bubble m={m} me={ME} mine={false} showRead={false} highlighted={false} actions={actions} />);
    fireEvent.click(screen.getByRole("button", { name: "Message actions" }));
    expect(screen.getAllByRole("menuitem").map((i) => i.textContent)).toEqual(["Reply", "React…", "Save attachment"]);
    fireEvent.click(screen.getByRole("menuitem", { name: "React…" }));
    fireEvent.click(screen.getByRole("gridcell", { name: "party popper" }));
    expect(actions.onReact).toHaveBeenCalledWith(m, "🎉", false);
    expect(screen.queryByRole("grid")).toBeNull();
  });
});

describe("Settings: read receipts", () => {
  it("is a switch showing the setting that turns it off through the backend", async () => {
    const onStatus = vi.fn();
    render(<Settings status={status} onStatus={onStatus} onClose={() => {}} onShowPhrase={() => {}} />);
    const toggle = screen.getByRole("switch", { name: "Send read receipts" }) as HTMLInputElement;
    expect(toggle.checked).toBe(true);
    fireEvent.click(toggle);
    await waitFor(() => expect(onStatus).toHaveBeenCalledWith({ ...status, read_receipts: false }));
    expect(backend.setReadReceipts).toHaveBeenCalledWith(false);
  });
});
