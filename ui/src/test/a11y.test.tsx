// Keyboard, focus, languages and right-to-left (issue #14). The backend module is mocked (no
import * as React from "react";
// Tauri here); the components, i18next and the stylesheet are real.
import { afterEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { AppStatus, ConversationView, ListTab } from "../lib/backend";

const conv = (n: number, extra: Partial<ConversationView> = {}): ConversationView => ({
  topic: `/xmtp/0/m-${n}/proto`, version: "v2", peer: `0x${String(n).padStart(40, "0")}`, conversation_id: null, metadata: {},
  created_ns: "1700000000000000000", last_message_ns: "0", last_preview: null, unread: 0, consent: "allowed", draft: "",
  name: null, title: null, pinned: false, muted: false, archived: false, marked_unread: false, ...extra,
});
const LIST = [conv(1), conv(2, { name: "Alice" }), conv(3)];

vi.mock("../lib/backend", async (orig) => {
  const real = await orig<typeof import("../lib/backend")>();
  return {
    ...real,
    backend: {
      listConversations: vi.fn(async () => LIST),
      subscribe: vi.fn(async () => {}),
      listMessages: vi.fn(async () => []),
      messagesAround: vi.fn(async () => []),
      markRead: vi.fn(async () => {}),
      setDraft: vi.fn(async () => {}),
      appStatus: vi.fn(async () => status),
      listAccounts: vi.fn(async () => []),
    },
  };
});

import { Messenger } from "../components/Messenger";
import { ConversationList, tabKey } from "../components/ConversationList";
import { QuickSwitcher, matches } from "../components/QuickSwitcher";
import { ShortcutHelp } from "../components/ShortcutHelp";
import { shortcutOf, stepTopic } from "../lib/shortcuts";
import { i18n, pickLanguage, setLanguage } from "../lib/i18n";
import { en, strings } from "../lib/strings";
import { de } from "../lib/strings.de";
import { dayLabel } from "../lib/format";

const status: AppStatus = {
  address: "0x00000000000000000000000000000000000000a1", accounts: ["0x00000000000000000000000000000000000000a1"],
  node_url: "http://127.0.0.1:5556", embedded_node: true, unadopted_local_node: null, http_gateway_enabled: false, http_gateway: null, profile: "default", keychain: "secret-service",
  keychain_volatile: false, version: "0.1.0", zoom: 1, problem: null, recovery: { has_phrase: true, phrase_confirmed: true }, read_receipts: true,
  notification_privacy: "full", keep_archived: false,
};

afterEach(async () => {
  cleanup();
  vi.clearAllMocks();
  await setLanguage(null);
});

const key = (init: KeyboardEventInit, target: EventTarget = document.activeElement ?? document.body) =>
  act(() => { target.dispatchEvent(new KeyboardEvent("keydown", { bubbles: true, cancelable: true, ...init })); });

describe("shortcuts", () => {
  it("maps key presses to shortcuts and ignores the rest", () => {
    const k = (init: Partial<KeyboardEvent>) => shortcutOf({ key: "", code: "", ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...init });
    expect(k({ key: "k", ctrlKey: true })).toEqual({ kind: "switcher" });
    expect(k({ key: "K", metaKey: true })).toEqual({ kind: "switcher" });
    expect(k({ key: "/", ctrlKey: true })).toEqual({ kind: "help" });
    expect(k({ key: "7", code: "Slash", ctrlKey: true, shiftKey: true })).toEqual({ kind: "help" });
    // QWERTZ: the US slash position is "-" (Ctrl+- zooms out): not the help sheet.
    expect(k({ key: "-", code: "Slash", ctrlKey: true })).toBeNull();
    expect(k({ key: "_", code: "Slash", ctrlKey: true, shiftKey: true })).toBeNull();
    expect(k({ key: "/", code: "Digit7", ctrlKey: true, shiftKey: true })).toEqual({ kind: "help" });
    expect(k({ key: "ArrowUp", altKey: true })).toEqual({ kind: "step", by: -1 });
    expect(k({ key: "ArrowDown", altKey: true })).toEqual({ kind: "step", by: 1 });
    expect(k({ key: "3", ctrlKey: true })).toEqual({ kind: "nth", n: 3 });
    expect(k({ key: "&", code: "Digit1", ctrlKey: true })).toEqual({ kind: "nth", n: 1 });
    expect(k({ key: "0", ctrlKey: true })).toBeNull();
    expect(k({ key: "k" })).toBeNull();
    expect(k({ key: "ArrowDown" })).toBeNull();
    expect(k({ key: "k", ctrlKey: true, altKey: true })).toBeNull();
  });

  it("steps through the list and stays at its ends", () => {
    const t = ["a", "b", "c"];
    expect(stepTopic(t, "b", 1)).toBe("c");
    expect(stepTopic(t, "c", 1)).toBe("c");
    expect(stepTopic(t, "a", -1)).toBe("a");
    expect(stepTopic(t, null, 1)).toBe("a");
    expect(stepTopic(t, null, -1)).toBe("c");
    expect(stepTopic([], null, 1)).toBeNull();
  });

  it("Alt+↓, Alt+↑ and Ctrl+2 open conversations in the messenger", async () => {
    render(<Messenger status={status} onStatus={() => {}} />);
    await screen.findAllByRole("button", { current: false });
    await waitFor(() => expect(document.querySelectorAll(".conversation").length).toBe(3));
    const open = () => document.querySelector(".conversation[aria-current=true]")?.getAttribute("data-peer");
    await key({ key: "ArrowDown", altKey: true });
    await waitFor(() => expect(open()).toBe(LIST[0].peer));
    await key({ key: "ArrowDown", altKey: true });
    await waitFor(() => expect(open()).toBe(LIST[1].peer));
    await key({ key: "ArrowUp", altKey: true });
    await waitFor(() => expect(open()).toBe(LIST[0].peer));
    await key({ key: "3", ctrlKey: true });
    await waitFor(() => expect(open()).toBe(LIST[2].peer));
  });
});

describe("the tablist", () => {
  function Harness() {
    const [tab, setTab] = React.useState<ListTab>("messages");
    return <ConversationList tab={tab} onTab={setTab} conversations={[]} selected={null} onSelect={() => {}} />;
  }

  it("is one tab stop whose arrows, Home and End select and focus, with a panel it controls", async () => {
    render(<Harness />);
    const tabs = screen.getAllByRole("tab");
    expect(tabs.map((t) => t.tabIndex)).toEqual([0, -1, -1, -1]);
    const panel = screen.getByRole("tabpanel");
    for (const t of tabs) expect(t.getAttribute("aria-controls")).toBe(panel.id);
    expect(panel.getAttribute("aria-labelledby")).toBe("tab-messages");
    tabs[0].focus();
    await key({ key: "ArrowRight" });
    expect(document.activeElement?.id).toBe("tab-requests");
    expect(screen.getByRole("tab", { selected: true }).id).toBe("tab-requests");
    expect(panel.getAttribute("aria-labelledby")).toBe("tab-requests");
    await key({ key: "End" });
    expect(document.activeElement?.id).toBe("tab-archived");
    await key({ key: "ArrowRight" });
    expect(document.activeElement?.id).toBe("tab-messages");
    await key({ key: "ArrowLeft" });
    expect(document.activeElement?.id).toBe("tab-archived");
    await key({ key: "Home" });
    expect(document.activeElement?.id).toBe("tab-messages");
    expect(screen.getAllByRole("tab").map((t) => t.tabIndex)).toEqual([0, -1, -1, -1]);
  });

  it("moves with the reading direction: ArrowLeft goes forward in right-to-left", async () => {
    document.documentElement.dir = "rtl";
    try {
      render(<Harness />);
      screen.getAllByRole("tab")[0].focus();
      const rtl = getComputedStyle(document.activeElement!).direction === "rtl";
      await key({ key: "ArrowLeft" });
      // jsdom computes `direction` from dir only in some versions: the expectation follows what it says.
      expect(document.activeElement?.id).toBe(rtl ? "tab-requests" : "tab-archived");
    } finally {
      document.documentElement.dir = "ltr";
    }
    expect(tabKey("ArrowDown", 2, 3)).toBe(0);
    expect(tabKey("x", 0, 3)).toBeNull();
  });
});

describe("the quick switcher", () => {
  it("filters by local name, title or address", () => {
    expect(matches(LIST, "alice").map((c) => c.peer)).toEqual([LIST[1].peer]);
    expect(matches(LIST, "0003").map((c) => c.peer)).toEqual([LIST[2].peer]);
    expect(matches(LIST, "  ")).toHaveLength(3);
    expect(matches(LIST, "nobody")).toHaveLength(0);
  });

  it("takes the focus, picks with the arrows and Enter, and gives the focus back on Escape", async () => {
    const opener = document.createElement("button");
    document.body.append(opener);
    opener.focus();
    const onPick = vi.fn();
    const onClose = vi.fn();
    const { unmount } = render(<QuickSwitcher conversations={LIST} onPick={onPick} onClose={onClose} />);
    const input = screen.getByRole("combobox");
    expect(document.activeElement).toBe(input);
    expect(screen.getByRole("dialog").getAttribute("aria-modal")).toBe("true");
    fireEvent.change(input, { target: { value: "0x" } });
    await key({ key: "ArrowDown" });
    expect(input.getAttribute("aria-activedescendant")).toBe(screen.getAllByRole("option")[1].id);
    await key({ key: "Enter" });
    expect(onPick.mock.calls[0][0]).toBe(LIST[1].topic);
    await key({ key: "Escape" });
    expect(onClose).toHaveBeenCalled();
    unmount();
    // After a pick the picked conversation keeps the focus; this switcher was picked from.
    await new Promise((r) => setTimeout(r, 10));
    expect(document.activeElement).not.toBe(opener);
    opener.remove();
  });

  it("Ctrl+K in the messenger opens it, Escape closes it and focus returns to where it was", async () => {
    render(<Messenger status={status} onStatus={() => {}} />);
    await waitFor(() => expect(document.querySelectorAll(".conversation").length).toBe(3));
    const filter = screen.getByRole("textbox", { name: strings.a11y.filter });
    filter.focus();
    await key({ key: "k", ctrlKey: true });
    const input = await screen.findByRole("combobox");
    expect(document.activeElement).toBe(input);
    await key({ key: "Escape" });
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    await waitFor(() => expect(document.activeElement).toBe(filter));
  });
});

describe("panels", () => {
  it("the new conversation (its address field autofocused) returns the focus to + on Escape", async () => {
    render(<Messenger status={status} onStatus={() => {}} />);
    await waitFor(() => expect(document.querySelectorAll(".conversation").length).toBe(3));
    const plus = screen.getByRole("button", { name: strings.a11y.newConversation });
    plus.focus();
    fireEvent.click(plus);
    const address = await screen.findByRole("textbox", { name: strings.newChat.address });
    await waitFor(() => expect(document.activeElement).toBe(address));
    await key({ key: "Escape" });
    await waitFor(() => expect(screen.queryByRole("textbox", { name: strings.newChat.address })).toBeNull());
    await waitFor(() => expect(document.activeElement).toBe(plus));
  });
});

describe("the shortcut help", () => {
  it("lists every shortcut, takes the focus, keeps Tab inside and returns the focus on Escape", async () => {
    render(<Messenger status={status} onStatus={() => {}} />);
    await waitFor(() => expect(document.querySelectorAll(".conversation").length).toBe(3));
    const settings = screen.getByRole("button", { name: strings.a11y.settings });
    settings.focus();
    await key({ key: "/", ctrlKey: true });
    const dialog = await screen.findByRole("dialog", { name: strings.keys.title });
    expect(dialog.textContent).toContain("Ctrl");
    for (const what of [strings.keys.switcher, strings.keys.previous, strings.keys.next, strings.keys.nth, strings.keys.help]) expect(dialog.textContent).toContain(what);
    const close = screen.getByRole("button", { name: strings.keys.close });
    expect(document.activeElement).toBe(close);
    await key({ key: "Tab" });
    expect(document.activeElement).toBe(close);
    await key({ key: "Escape" });
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    await waitFor(() => expect(document.activeElement).toBe(settings));
  });

  it("focus moves into an opened panel and back to its button on Escape", async () => {
    render(<Messenger status={status} onStatus={() => {}} />);
    await waitFor(() => expect(document.querySelectorAll(".conversation").length).toBe(3));
    const settings = screen.getByRole("button", { name: strings.a11y.settings });
    settings.focus();
    fireEvent.click(settings);
    await waitFor(() => expect(document.querySelector(".panel")?.contains(document.activeElement)).toBe(true));
    await key({ key: "Escape" });
    await waitFor(() => expect(document.querySelector(".panel")).toBeNull());
    await waitFor(() => expect(document.activeElement).toBe(settings));
  });

  it("renders as a standalone dialog too", () => {
    render(<ShortcutHelp onClose={() => {}} />);
    expect(screen.getAllByRole("term").length).toBeGreaterThanOrEqual(9);
  });
});

describe("languages", () => {
  it("every language has every key of the English catalogue, of the same kind", () => {
    const walk = (a: unknown, b: unknown, path: string): string[] => {
      if (typeof a !== typeof b) return [path];
      if (typeof a === "function") return (a as () => unknown).length === (b as () => unknown).length ? [] : [`${path}()`];
      if (a && typeof a === "object") return Object.keys(a).flatMap((k) => walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`));
      return [];
    };
    expect(walk(en, de, "de")).toEqual([]);
  });

  it("picks the system's language when shipped, else English", () => {
    expect(pickLanguage(["de-AT", "en-US"])).toBe("de");
    expect(pickLanguage(["fr-FR", "de"])).toBe("de");
    expect(pickLanguage(["fr-FR"])).toBe("en");
    expect(pickLanguage([])).toBe("en");
  });

  it("switching the language re-renders the app in it, with dates through Intl in that locale", async () => {
    render(<Messenger status={status} onStatus={() => {}} />);
    await waitFor(() => expect(document.querySelectorAll(".conversation").length).toBe(3));
    expect(screen.getByRole("tab", { selected: true }).textContent).toBe("Messages");
    await act(() => setLanguage("de"));
    expect(i18n.language).toBe("de");
    expect(document.documentElement.lang).toBe("de");
    expect(localStorage.getItem("courier.language")).toBe("de");
    expect(screen.getByRole("tab", { selected: true }).textContent).toBe("Nachrichten");
    expect(screen.getByRole("button", { name: "Einstellungen" })).toBeTruthy();
    expect(dayLabel(new Date())).toBe("Heute");
    expect(dayLabel(new Date(2024, 0, 3), new Date(2024, 5, 1))).toContain("2024");
    expect(dayLabel(new Date(2024, 0, 3), new Date(2024, 5, 1))).toMatch(/Jan\.? 2024|3\. Jan/);
    await act(() => setLanguage(null));
    expect(screen.getByRole("tab", { selected: true }).textContent).toBe("Messages");
    expect(localStorage.getItem("courier.language")).toBeNull();
  });
});

describe("right to left", () => {
  it("the stylesheet uses logical properties only: nothing is placed by left or right", () => {
    const sheets = import.meta.glob("../styles.css", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
    const css = sheets["../styles.css"].replace(/\/\*[\s\S]*?\*\//g, "");
    const physical = css.match(/(?:^|[\s;{])((?:margin|padding|border)-(?:left|right)[a-z-]*|(?:left|right)\s*:|text-align\s*:\s*(?:left|right)|float\s*:\s*(?:left|right)|border-(?:top|bottom)-(?:left|right)-radius)/gm) ?? [];
    expect(physical).toEqual([]);
  });

  it("message text and previews take their direction from their own text", async () => {
    const { Bubble } = await import("../components/Bubble");
    render(<Bubble m={{ id: "x", topic: "t", sender: "0xb", sent_ns: "1700000000000000000", content_type: "xmtp.org/text:1.0", text: "مرحبا", state: "received", reply_to: null, quote: null, reactions: [], attachment: null, read: false }}
      me="0xa" mine={false} showRead={false} highlighted={false} spoken="0xb, today:" actions={{ onReply: () => {}, onJump: () => {}, onReact: () => {}, onError: () => {} }} />);
    expect(document.querySelector(".bubble .text")?.getAttribute("dir")).toBe("auto");
    expect(document.querySelector(".bubble .sr-only")?.textContent).toContain("0xb, today:");
  });
});
