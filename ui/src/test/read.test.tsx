// Read marks (issue #14): a thread's messages are marked read only while the window is visible
// and focused with the thread shown, and when the window comes back with the thread open. The
// backend module is mocked (no Tauri here); the Thread and its hooks are real.
import { afterEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import type { ConversationView, MessageView } from "../lib/backend";

const ME = "0x00000000000000000000000000000000000000a1";
const PEER = "0x00000000000000000000000000000000000000b1";
const TOPIC = "/xmtp/0/m-read/proto";
const msg = (id: string, s: number): MessageView => ({
  id, topic: TOPIC, sender: PEER, sent_ns: `${1_700_000_000 + s}000000000`, content_type: "xmtp.org/text:1.0", text: `text ${id}`,
  state: "received", reply_to: null, quote: null, reactions: [], attachment: null, read: false,
});
let page: MessageView[] = [];

vi.mock("../lib/backend", async (orig) => {
  const real = await orig<typeof import("../lib/backend")>();
  return {
    ...real,
    backend: {
      listMessages: vi.fn(async () => page),
      markRead: vi.fn(async () => {}),
      setDraft: vi.fn(async () => {}),
      sendReadReceipt: vi.fn(async () => {}),
      onFilesDropped: vi.fn(async () => () => {}),
    },
  };
});

import { backend } from "../lib/backend";
import { Thread } from "../components/Thread";

const conv: ConversationView = {
  topic: TOPIC, version: "v2", peer: PEER, conversation_id: null, metadata: {},
  created_ns: "1", last_message_ns: "0", last_preview: null, unread: 1, consent: "allowed", draft: "",
  name: null, title: null, pinned: false, muted: false, archived: false, marked_unread: false,
};

/** The window's state as the page sees it: focused or not, shown or hidden. */
function windowState(focused: boolean, visible: boolean) {
  vi.spyOn(document, "hasFocus").mockReturnValue(focused);
  vi.spyOn(document, "visibilityState", "get").mockReturnValue(visible ? "visible" : "hidden");
}

afterEach(() => { cleanup(); vi.restoreAllMocks(); vi.clearAllMocks(); page = []; });

describe("read marks", () => {
  it("are not set while the window is unfocused, and are set when focus comes back to the open thread", async () => {
    windowState(false, true);
    page = [msg("m1", 1)];
    const changed = vi.fn();
    render(<Thread conversation={conv} me={ME} version={0} onChanged={changed} onConsent={() => {}} onBack={() => {}} />);
    await screen.findByText("text m1");
    await act(async () => { await new Promise((r) => setTimeout(r, 20)); });
    expect(backend.markRead).not.toHaveBeenCalled();
    expect(changed).not.toHaveBeenCalled();
    // Focus comes back: now they are read, and the list is told.
    windowState(true, true);
    await act(async () => { window.dispatchEvent(new Event("focus")); });
    await waitFor(() => expect(backend.markRead).toHaveBeenCalledWith(TOPIC));
    await waitFor(() => expect(changed).toHaveBeenCalled());
    // Once: another focus with nothing new marks nothing.
    await act(async () => { window.dispatchEvent(new Event("focus")); });
    expect(backend.markRead).toHaveBeenCalledTimes(1);
  });

  it("are not set while the document is hidden, even with focus; showing it marks them", async () => {
    windowState(true, false);
    page = [msg("h1", 1)];
    render(<Thread conversation={conv} me={ME} version={0} onChanged={() => {}} onConsent={() => {}} onBack={() => {}} />);
    await screen.findByText("text h1");
    await act(async () => { await new Promise((r) => setTimeout(r, 20)); });
    expect(backend.markRead).not.toHaveBeenCalled();
    windowState(true, true);
    await act(async () => { document.dispatchEvent(new Event("visibilitychange")); });
    await waitFor(() => expect(backend.markRead).toHaveBeenCalledTimes(1));
  });

  it("a new message while the window is away waits for it; while focused it is marked at once", async () => {
    windowState(true, true);
    page = [msg("a1", 1)];
    const { rerender } = render(<Thread conversation={conv} me={ME} version={0} onChanged={() => {}} onConsent={() => {}} onBack={() => {}} />);
    await waitFor(() => expect(backend.markRead).toHaveBeenCalledTimes(1));
    windowState(false, true);
    page = [...page, msg("a2", 2)];
    rerender(<Thread conversation={conv} me={ME} version={1} onChanged={() => {}} onConsent={() => {}} onBack={() => {}} />);
    await screen.findByText("text a2");
    await act(async () => { await new Promise((r) => setTimeout(r, 20)); });
    expect(backend.markRead).toHaveBeenCalledTimes(1);
    windowState(true, true);
    await act(async () => { window.dispatchEvent(new Event("focus")); });
    await waitFor(() => expect(backend.markRead).toHaveBeenCalledTimes(2));
  });
});
