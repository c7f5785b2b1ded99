import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";

vi.mock("../lib/backend", async (orig) => {
  const real = await orig<typeof import("../lib/backend")>();
  return {
    ...real,
    backend: {
      sendMessage: vi.fn(async (args) => ({ id: "m1", topic: "/xmtp/0/m-t/proto", sender: "0xme", sent_ns: "1700000000000000000", content_type: "xmtp.org/text:1.0", text: args.text, state: "pending" })),
      setDraft: vi.fn(async () => {}),
      checkAddress: vi.fn(async (input: string) => ({ address: input, problem: null, on_network: input.endsWith("1") })),
      createAccount: vi.fn(async () => { throw { code: "keychain", message: "the secret-service keychain is not available" }; }),
    },
  };
});

import { backend } from "../lib/backend";
import { Composer } from "../components/Composer";
import { NewConversation } from "../components/NewConversation";
import { Onboarding } from "../components/Onboarding";
import type { ConversationView } from "../lib/backend";

afterEach(cleanup);

const conv: ConversationView = {
  topic: "/xmtp/0/m-t/proto", version: "v2", peer: "0x00000000000000000000000000000000000000b1", conversation_id: null, metadata: {},
  created_ns: "1", last_message_ns: "0", last_preview: null, unread: 0, consent: "allowed", draft: "",
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
    expect(backend.sendMessage).toHaveBeenCalledWith({ peer: conv.peer, text: "line one", conversation_id: null, v1: false });
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
});

describe("Onboarding", () => {
  it("shows a command error's message and what to do about its code", async () => {
    render(<Onboarding onDone={() => {}} />);
    fireEvent.click(screen.getByText("Create a new account"));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("the secret-service keychain is not available");
    expect(alert.textContent).toContain("Unlock this computer's keychain");
  });
});
