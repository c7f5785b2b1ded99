import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";

const PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow";

vi.mock("../lib/backend", async (orig) => {
  const real = await orig<typeof import("../lib/backend")>();
  return {
    ...real,
    backend: {
      sendMessage: vi.fn(async (args) => ({ id: "m1", topic: "/xmtp/0/m-t/proto", sender: "0xme", sent_ns: "1700000000000000000", content_type: "xmtp.org/text:1.0", text: args.text, state: "pending", reply_to: args.reply_to, quote: null, reactions: [], attachment: null, read: false })),
      setDraft: vi.fn(async () => {}),
      checkAddress: vi.fn(async (input: string) => ({ address: input, problem: null, on_network: input.endsWith("1") })),
      createAccount: vi.fn(async () => { throw { code: "keychain", message: "the secret-service keychain is not available" }; }),
      removeAccount: vi.fn(async () => ({ ...status, address: null })),
      signOut: vi.fn(async () => ({ ...status, address: null })),
      retryStart: vi.fn(async () => ({ ...status, problem: null })),
      recoverStore: vi.fn(async () => ({ ...status, problem: null })),
      exportHistory: vi.fn(async (format: string) => `/home/u/courier-history.${format}`),
      exportWalletKey: vi.fn(async () => "0xkey"),
      setNodeUrl: vi.fn(async () => ({ ...status, problem: null })),
      setHttpGateway: vi.fn(async (enabled: boolean) => ({ ...status, http_gateway_enabled: enabled, http_gateway: enabled ? "http://127.0.0.1:5555" : null })),
      recoveryPhrase: vi.fn(async () => PHRASE),
      confirmPhrase: vi.fn(async () => ({ ...status, recovery: { has_phrase: true, phrase_confirmed: true } })),
    },
  };
});

import { backend } from "../lib/backend";
import { Composer } from "../components/Composer";
import { NewConversation } from "../components/NewConversation";
import { Onboarding } from "../components/Onboarding";
import { Recovery } from "../components/Recovery";
import { ExportHistory } from "../components/ExportHistory";
import { Settings } from "../components/Settings";
import { PhraseSetup } from "../components/PhraseSetup";
import type { AppStatus, ConversationView } from "../lib/backend";

afterEach(() => { cleanup(); vi.clearAllMocks(); });

const status: AppStatus = {
  address: "0x00000000000000000000000000000000000000a1", accounts: ["0x00000000000000000000000000000000000000a1"],
  node_url: "http://127.0.0.1:5556", embedded_node: true, unadopted_local_node: null, http_gateway_enabled: false, http_gateway: null, profile: "default", keychain: "secret-service",
  keychain_volatile: false, version: "0.1.0", zoom: 1, problem: null, recovery: { has_phrase: true, phrase_confirmed: false }, read_receipts: true, notification_privacy: "full", keep_archived: false,
};

const conv: ConversationView = {
  topic: "/xmtp/0/m-t/proto", version: "v2", peer: "0x00000000000000000000000000000000000000b1", conversation_id: null, metadata: {},
  created_ns: "1", last_message_ns: "0", last_preview: null, unread: 0, consent: "allowed", draft: "",
  name: null, title: null, pinned: false, muted: false, archived: false, marked_unread: false,
};

describe("Composer", () => {
  it("sends on Enter and keeps Shift+Enter as a new line", async () => {
    const onSent = vi.fn();
    render(<Composer conversation={conv} onSent={onSent} />);
    const box = screen.getByLabelText("Message") as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: "line one" } });
    fireEvent.keyDown(box, { key: "Enter", shiftKey: true });
    expect(backend.sendMessage).not.toHaveBeenCalled();
    fireEvent.keyDown(box, { key: "Enter" });
    await waitFor(() => expect(onSent).toHaveBeenCalled());
    expect(backend.sendMessage).toHaveBeenCalledWith({ peer: conv.peer, text: "line one", conversation_id: null, v1: false, reply_to: null });
    expect(box.value).toBe("");
  });
});

describe("NewConversation", () => {
  it("validates the address as typed and says when it is not on the network", async () => {
    render(<NewConversation onClose={() => {}} onStarted={() => {}} />);
    const input = screen.getByLabelText("Address");
    fireEvent.change(input, { target: { value: "0x12" } });
    expect(await screen.findByText(/40 hexadecimal digits/)).toBeTruthy();
    fireEvent.change(input, { target: { value: "0x0000000000000000000000000000000000000002" } });
    expect(await screen.findByText(/not on the XMTP network/)).toBeTruthy();
    fireEvent.change(input, { target: { value: "0x0000000000000000000000000000000000000001" } });
    expect(await screen.findByText(/On the network/)).toBeTruthy();
  });

  it("keeps the protocol's conversation id behind Advanced", () => {
    render(<NewConversation onClose={() => {}} onStarted={() => {}} />);
    const details = screen.getByText("Advanced").closest("details")!;
    expect(details.open).toBe(false);
    expect(details.contains(screen.getByLabelText("Conversation id (optional)"))).toBe(true);
  });
});

describe("Onboarding", () => {
  it("shows a command error's message and what to do about its code", async () => {
    render(<Onboarding status={{ ...status, address: null, accounts: [] }} onDone={() => {}} onCreated={() => {}} />);
    fireEvent.click(screen.getByText("Create a new account"));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("the secret-service keychain is not available");
    expect(alert.textContent).toContain("Unlock this computer's keychain");
  });
});

describe("Onboarding", () => {
  it("offers the accounts kept on this computer and says when the keychain forgets keys", () => {
    render(<Onboarding status={{ ...status, address: null, keychain_volatile: true }} onDone={() => {}} onCreated={() => {}} />);
    expect(screen.getByText(/Sign in as/).closest("button")?.dataset.address).toBe(status.accounts[0]);
    expect(screen.getByText(/forgets them when this computer restarts/)).toBeTruthy();
  });
});

describe("Recovery", () => {
  it("offers what the start problem's code calls for", async () => {
    const missing = { ...status, address: null, problem: { code: "keys_missing" as const, message: "the keychain has no keys" } };
    const { unmount } = render(<Recovery status={missing} onStatus={() => {}} />);
    expect(screen.getByText("Sign in with your recovery phrase")).toBeTruthy();
    expect(screen.queryByLabelText(/Node URL/)).toBeNull();
    fireEvent.click(screen.getByText("Sign in with your recovery phrase"));
    expect(screen.getByLabelText(/Recovery phrase/)).toBeTruthy();
    unmount();
    const onStatus = vi.fn();
    render(<Recovery status={{ ...status, problem: { code: "node", message: "bad node" } }} onStatus={onStatus} />);
    expect(screen.queryByText("Sign in with your recovery phrase")).toBeNull();
    fireEvent.change(screen.getByLabelText(/Node URL/), { target: { value: "" } });
    fireEvent.click(screen.getByText("Use"));
    await waitFor(() => expect(onStatus).toHaveBeenCalled());
    expect(backend.setNodeUrl).toHaveBeenCalledWith(null);
  });
});

describe("Store encryption and export (issue #15)", () => {
  // Failed before the fix: the buttons asked through window.confirm (which jsdom, like a Tauri
  // WKWebView, does not answer), so no dialog appeared and nothing could ever be confirmed.
  it("offers a fresh store for an unreadable one, only after the user confirms in the app", async () => {
    const onStatus = vi.fn();
    const native = vi.spyOn(window, "confirm");
    render(<Recovery status={{ ...status, problem: { code: "store_unreadable", message: "the store cannot be read" } }} onStatus={onStatus} />);
    expect(screen.getByText(/the unreadable file is kept beside it, never deleted/)).toBeTruthy();
    const opener = screen.getByText("Start with a fresh store");
    opener.focus();
    fireEvent.click(opener);
    let dialog = screen.getByRole("alertdialog", { name: "Start with a fresh store?" });
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(document.getElementById(dialog.getAttribute("aria-describedby") ?? "")?.textContent).toMatch(/old file is kept/);
    expect(document.activeElement).toBe(within(dialog).getByRole("button", { name: "Cancel" }));
    fireEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(document.activeElement).toBe(opener);
    fireEvent.click(opener);
    fireEvent.keyDown(screen.getByRole("alertdialog"), { key: "Escape" });
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(backend.recoverStore).not.toHaveBeenCalled();
    fireEvent.click(opener);
    dialog = screen.getByRole("alertdialog");
    fireEvent.click(within(dialog).getByRole("button", { name: "Set aside and start fresh" }));
    await waitFor(() => expect(onStatus).toHaveBeenCalledWith({ ...status, problem: null }));
    expect(backend.recoverStore).toHaveBeenCalledTimes(1);
    expect(native).not.toHaveBeenCalled();
    native.mockRestore();
  });

  it("exports only after warning, in the app, that the export is not encrypted", async () => {
    const native = vi.spyOn(window, "confirm");
    render(<ExportHistory onError={() => {}} />);
    const opener = screen.getByText("Export history…");
    opener.focus();
    fireEvent.click(opener);
    let dialog = screen.getByRole("alertdialog", { name: "Export without encryption?" });
    expect(dialog.textContent).toMatch(/NOT encrypted/);
    expect(document.activeElement).toBe(within(dialog).getByRole("button", { name: "Cancel" }));
    fireEvent.keyDown(dialog, { key: "Escape" });
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(document.activeElement).toBe(opener);
    fireEvent.click(opener);
    fireEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Cancel" }));
    expect(backend.exportHistory).not.toHaveBeenCalled();
    fireEvent.change(screen.getByLabelText("Format"), { target: { value: "jsonl" } });
    fireEvent.click(opener);
    dialog = screen.getByRole("alertdialog");
    fireEvent.click(within(dialog).getByRole("button", { name: "Export" }));
    expect(screen.queryByRole("alertdialog")).toBeNull();
    // While it works, focus is back on its button (not dropped to the page by a disabled one),
    // which says it is busy and opens no second dialog.
    expect(document.activeElement).toBe(opener);
    expect(opener.getAttribute("aria-disabled")).toBe("true");
    fireEvent.click(opener);
    expect(screen.queryByRole("alertdialog")).toBeNull();
    await waitFor(() => expect(screen.getByText("Exported to /home/u/courier-history.jsonl")).toBeTruthy());
    expect(backend.exportHistory).toHaveBeenCalledWith("jsonl");
    expect(backend.exportHistory).toHaveBeenCalledTimes(1);
    expect(native).not.toHaveBeenCalled();
    native.mockRestore();
  });

  it("shows the wallet key only after an in-app confirmation", async () => {
    const native = vi.spyOn(window, "confirm");
    render(<Settings status={status} onStatus={() => {}} onClose={() => {}} onShowPhrase={() => {}} />);
    fireEvent.click(screen.getByText("Show wallet private key…"));
    const dialog = screen.getByRole("alertdialog", { name: "Show the wallet private key?" });
    fireEvent.keyDown(dialog, { key: "Escape" });
    expect(backend.exportWalletKey).not.toHaveBeenCalled();
    fireEvent.click(screen.getByText("Show wallet private key…"));
    fireEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Show the key" }));
    await waitFor(() => expect((screen.getByLabelText("Wallet private key") as HTMLInputElement).value).toBe("0xkey"));
    expect(native).not.toHaveBeenCalled();
    native.mockRestore();
  });
});

describe("Settings", () => {
  it("signs out without deleting, and removes only after the user confirms holding the phrase or key", async () => {
    const onStatus = vi.fn();
    render(<Settings status={status} onStatus={onStatus} onClose={() => {}} onShowPhrase={() => {}} />);
    fireEvent.click(screen.getByText("Remove this account from this computer…"));
    const dialog = screen.getByRole("dialog");
    expect(dialog.textContent).toContain("keys in this computer's keychain");
    expect(dialog.textContent).toContain("messages and drafts stored on this computer");
    const remove = screen.getByText("Remove from this computer") as HTMLButtonElement;
    expect(remove.disabled).toBe(true);
    fireEvent.click(remove);
    expect(backend.removeAccount).not.toHaveBeenCalled();
    fireEvent.click(screen.getByLabelText(/I have this account's recovery phrase/));
    fireEvent.click(remove);
    await waitFor(() => expect(backend.removeAccount).toHaveBeenCalledWith(status.address));
    fireEvent.click(screen.getByText("Sign out"));
    await waitFor(() => expect(backend.signOut).toHaveBeenCalled());
  });
});

describe("Settings: a node at the local address this app did not start", () => {
  it("is named, with the URL that uses it, and only when there is one", () => {
    const { rerender } = render(<Settings status={status} onStatus={() => {}} onClose={() => {}} onShowPhrase={() => {}} />);
    expect(screen.queryByRole("note")).toBeNull();
    const other = { ...status, node_url: "http://127.0.0.1:40123", unadopted_local_node: "http://127.0.0.1:5556" };
    rerender(<Settings status={other} onStatus={() => {}} onClose={() => {}} onShowPhrase={() => {}} />);
    const note = screen.getByRole("note").textContent ?? "";
    expect(note).toContain("A node is running at http://127.0.0.1:5556 that this app did not start");
    expect(note).toContain("enter http://127.0.0.1:5556 as the node URL");
  });
});

describe("Settings: HTTP gateway", () => {
  it("is a labelled switch, off by default, that turns the gateway on and shows where it serves", async () => {
    const onStatus = vi.fn();
    const { rerender } = render(<Settings status={status} onStatus={onStatus} onClose={() => {}} onShowPhrase={() => {}} />);
    const toggle = screen.getByRole("switch", { name: "Serve the HTTP gateway on this computer" }) as HTMLInputElement;
    expect(toggle.checked).toBe(false);
    expect(toggle.getAttribute("aria-describedby")).toBe("http-gateway-help");
    expect(screen.queryByRole("status")).toBeNull();
    fireEvent.click(toggle);
    await waitFor(() => expect(onStatus).toHaveBeenCalled());
    expect(backend.setHttpGateway).toHaveBeenCalledWith(true);
    rerender(<Settings status={onStatus.mock.calls[0][0]} onStatus={onStatus} onClose={() => {}} onShowPhrase={() => {}} />);
    expect(screen.getByRole("status").textContent).toBe("Serving at http://127.0.0.1:5555");
    expect((screen.getByRole("switch", { name: "Serve the HTTP gateway on this computer" }) as HTMLInputElement).checked).toBe(true);
  });
});

describe("PhraseSetup", () => {
  it("shows the phrase, then confirms only when the three words picked back are right", async () => {
    const onStatus = vi.fn();
    const onDone = vi.fn();
    render(<PhraseSetup intro="x" onStatus={onStatus} onDone={onDone} />);
    const list = await screen.findByLabelText("Recovery phrase");
    expect(list.textContent).toBe(PHRASE.replace(/ /g, ""));
    fireEvent.click(screen.getByText("I wrote it down"));
    const words = PHRASE.split(" ");
    const legends = screen.getAllByText(/^Word #/).map((l) => Number(l.textContent!.slice(6)) - 1);
    expect(legends.length).toBe(3);
    const groups = screen.getAllByRole("radiogroup");
    // A wrong pick first (a word of the phrase that is not the asked one), then the right ones.
    const wrong = [...groups[0].querySelectorAll("button")].find((b) => b.dataset.word !== words[legends[0]])!;
    fireEvent.click(wrong);
    groups.slice(1).forEach((g, i) => fireEvent.click([...g.querySelectorAll("button")].find((b) => b.dataset.word === words[legends[i + 1]])!));
    fireEvent.click(screen.getByText("Confirm"));
    expect(await screen.findByText(/That is not right/)).toBeTruthy();
    expect(backend.confirmPhrase).not.toHaveBeenCalled();
    fireEvent.click([...groups[0].querySelectorAll("button")].find((b) => b.dataset.word === words[legends[0]])!);
    fireEvent.click(screen.getByText("Confirm"));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(backend.confirmPhrase).toHaveBeenCalled();
  });
});
