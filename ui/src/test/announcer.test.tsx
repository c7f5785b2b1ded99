// The live region's announcer (issue #14): it speaks only for conversations that would notify
// (allowed, not muted), never for requests, blocked peers or muted conversations. The backend
// module is mocked (no Tauri here).
import { afterEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, renderHook } from "@testing-library/react";
import type { ConversationView, ListTab, MessageView } from "../lib/backend";

const ME = "0x00000000000000000000000000000000000000a1";
const PEER = "0x00000000000000000000000000000000000000b2";
const conv = (n: number, extra: Partial<ConversationView> = {}): ConversationView => ({
  topic: `/xmtp/0/m-${n}/proto`, version: "v2", peer: PEER, conversation_id: null, metadata: {},
  created_ns: "1700000000000000000", last_message_ns: "0", last_preview: null, unread: 1, consent: "allowed", draft: "",
  name: `Peer ${n}`, title: null, pinned: false, muted: false, archived: false, marked_unread: false, ...extra,
});
const ALLOWED = conv(1);
const MUTED = conv(2, { muted: true });
const REQUEST = conv(3, { consent: "unknown" });
const BLOCKED = conv(4, { consent: "denied" });
const ARCHIVED = conv(5, { archived: true });
const byTab: Record<ListTab, ConversationView[]> = {
  messages: [ALLOWED, MUTED], requests: [REQUEST], blocked: [BLOCKED], archived: [ARCHIVED],
};

vi.mock("../lib/backend", async (orig) => {
  const real = await orig<typeof import("../lib/backend")>();
  return {
    ...real,
    backend: {
      listConversations: vi.fn(async (tab: ListTab) => byTab[tab]),
      messagesAround: vi.fn(async (topic: string, id: string): Promise<MessageView[]> => [
        { id, topic, sender: PEER, text: `hello in ${topic}`, attachment: null } as unknown as MessageView,
      ]),
    },
  };
});

import { useAnnouncer } from "../components/useAnnouncer";

afterEach(() => { cleanup(); vi.useRealTimers(); });

async function announce(list: ConversationView[], c: ConversationView) {
  vi.useFakeTimers();
  const { result } = renderHook(() => useAnnouncer(ME, list));
  act(() => result.current.heard(c.topic, "ab".repeat(32)));
  await act(async () => { await vi.advanceTimersByTimeAsync(1000); });
  return result.current.text;
}

describe("announcer", () => {
  it("announces a message of an allowed conversation that is not muted", async () => {
    expect(await announce(byTab.messages, ALLOWED)).toBe(`New message from Peer 1: hello in ${ALLOWED.topic}`);
  });

  it("stays silent for requests, blocked peers and muted conversations", async () => {
    // The list on screen is the Requests tab: what is in it is still not announced.
    expect(await announce(byTab.requests, REQUEST)).toBe("");
    expect(await announce(byTab.blocked, BLOCKED)).toBe("");
    expect(await announce(byTab.messages, MUTED)).toBe("");
    // A request while the Messages tab is on screen (not in the list shown).
    expect(await announce(byTab.messages, REQUEST)).toBe("");
  });

  it("announces an allowed conversation that is not in the list on screen", async () => {
    expect(await announce(byTab.requests, ALLOWED)).toBe(`New message from Peer 1: hello in ${ALLOWED.topic}`);
    expect(await announce(byTab.messages, ARCHIVED)).toBe(`New message from Peer 5: hello in ${ARCHIVED.topic}`);
  });
});
