// The UI's only door to the Rust side: typed functions over Tauri's IPC. Nothing else in the UI
// imports @tauri-apps/*, so the rest can be tested with this module mocked.
import { Channel, invoke } from "@tauri-apps/api/core";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import type { AccountView } from "./bindings/AccountView";
import type { AddressCheck } from "./bindings/AddressCheck";
import type { ApiError } from "./bindings/ApiError";
import type { AppStatus } from "./bindings/AppStatus";
import type { AttachmentView } from "./bindings/AttachmentView";
import type { ConnectionState } from "./bindings/ConnectionState";
import type { ConsentState } from "./bindings/ConsentState";
import type { Flag } from "./bindings/Flag";
import type { ConversationView } from "./bindings/ConversationView";
import type { DeliveryState } from "./bindings/DeliveryState";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { Event } from "./bindings/Event";
import type { ImportArgs } from "./bindings/ImportArgs";
import type { ListTab } from "./bindings/ListTab";
import type { MessagesArgs } from "./bindings/MessagesArgs";
import type { MessageView } from "./bindings/MessageView";
import type { NativeLanguage } from "./bindings/NativeLanguage";
import type { NotificationPrivacy } from "./bindings/NotificationPrivacy";
import type { ProtocolVersion } from "./bindings/ProtocolVersion";
import type { QuoteView } from "./bindings/QuoteView";
import type { ReactionView } from "./bindings/ReactionView";
import type { Recovery } from "./bindings/Recovery";
import type { SendArgs } from "./bindings/SendArgs";
import type { SendAttachmentArgs } from "./bindings/SendAttachmentArgs";
import type { SendFilesArgs } from "./bindings/SendFilesArgs";
import type { SearchHit } from "./bindings/SearchHit";
import type { SnippetPart } from "./bindings/SnippetPart";

export type {
  AccountView, AddressCheck, ApiError, AppStatus, AttachmentView, ConnectionState, ConsentState, ConversationView, Flag,
  DeliveryState, ErrorCode, Event, ImportArgs, ListTab, MessagesArgs, MessageView, NativeLanguage, NotificationPrivacy, ProtocolVersion, QuoteView, ReactionView, Recovery, SendArgs,
  SendAttachmentArgs, SendFilesArgs, SearchHit, SnippetPart,
};

/** Whether a thrown value is a `{code, message}` error from a command. */
export function isApiError(e: unknown): e is ApiError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

/** The message to show for anything a command threw. */
export function errorMessage(e: unknown): string {
  return isApiError(e) ? e.message : String(e);
}

export const backend = {
  appStatus: () => invoke<AppStatus>("app_status"),
  retryStart: () => invoke<AppStatus>("retry_start"),
  recoverStore: () => invoke<AppStatus>("recover_store"),
  createAccount: () => invoke<AppStatus>("create_account"),
  signIn: (address: string) => invoke<AppStatus>("sign_in", { address }),
  /** The recovery phrase, to show to the user who asked; never kept by the UI. */
  recoveryPhrase: () => invoke<string>("recovery_phrase"),
  confirmPhrase: () => invoke<AppStatus>("confirm_phrase"),
  exportWalletKey: () => invoke<string>("export_wallet_key"),
  importAccount: (args: ImportArgs) => invoke<AppStatus>("import_account", { args }),
  listConversations: (tab: ListTab) => invoke<ConversationView[]>("list_conversations", { tab }),
  listMessages: (args: MessagesArgs) => invoke<MessageView[]>("list_messages", { args }),
  sendMessage: (args: SendArgs) => invoke<MessageView>("send_message", { args }),
  checkAddress: (input: string) => invoke<AddressCheck>("check_address", { input }),
  setConsent: (address: string, allow: boolean) => invoke<void>("set_consent", { address, allow }),
  markRead: (topic: string) => invoke<void>("mark_read", { topic }),
  setDraft: (topic: string, draft: string) => invoke<void>("set_draft", { topic, draft }),
  retryMessage: (id: string) => invoke<void>("retry_message", { id }),
  /** Adds or removes this account's reaction; resolves to the target message, updated. */
  react: (id: string, emoji: string, remove: boolean) => invoke<MessageView>("react", { id, emoji, remove }),
  sendAttachment: (args: SendAttachmentArgs) => invoke<MessageView>("send_attachment", { args }),
  sendFiles: (args: SendFilesArgs) => invoke<MessageView[]>("send_files", { args }),
  /** An attachment's bytes; fetches a remote one when the conversation allows it, else an error. */
  attachmentBytes: (id: string) => invoke<ArrayBuffer>("attachment_bytes", { id }),
  /** Asks where to save (native dialog); the path saved, null if cancelled. */
  saveAttachment: (id: string) => invoke<string | null>("save_attachment", { id }),
  exportHistory: (format: "html" | "jsonl") => invoke<string | null>("export_history", { format }),
  /** Opens an http, https or mailto link in the system's browser or mail app. */
  openLink: (url: string) => invoke<void>("open_link", { url }),
  /** A page of up to `limit` messages centred on message `id`. */
  messagesAround: (topic: string, id: string, limit: number) => invoke<MessageView[]>("messages_around", { topic, id, limit }),
  setReadReceipts: (enabled: boolean) => invoke<AppStatus>("set_read_receipts", { enabled }),
  /** Tells the peer the newest messages were seen (the setting decides whether it is sent). */
  sendReadReceipt: (topic: string) => invoke<void>("send_read_receipt", { topic }),
  /** Files dropped on the window, as paths (Tauri's drag-drop event); resolves to an unlisten. */
  onFilesDropped: (handler: (paths: string[]) => void) =>
    getCurrentWebview().onDragDropEvent((e) => {
      if (e.payload.type === "drop" && e.payload.paths.length > 0) handler(e.payload.paths);
    }),
  setNodeUrl: (url: string | null) => invoke<AppStatus>("set_node_url", { url }),
  /** Turns the built-in node's HTTP gateway on or off (the node restarts with it). */
  setHttpGateway: (enabled: boolean) => invoke<AppStatus>("set_http_gateway", { enabled }),
  /** Zooms the page (1 = 100%) and keeps it for the profile; resolves to the level set. */
  setZoom: (zoom: number) => invoke<number>("set_zoom", { zoom }),
  exportBackup: () => invoke<string>("export_backup"),
  signOut: () => invoke<AppStatus>("sign_out"),
  removeAccount: (address: string) => invoke<AppStatus>("remove_account", { address }),
  /** Names a contact on this computer only (never sent); null removes the name. */
  setContactName: (address: string, name: string | null) => invoke<void>("set_contact_name", { address, name }),
  /** Pins, mutes, archives or marks a conversation unread (or undoes it); resolves to it, updated. */
  setConversationFlag: (topic: string, flag: Flag, on: boolean) =>
    invoke<ConversationView>("set_conversation_flag", { topic, flag, on }),
  setNotificationPrivacy: (level: NotificationPrivacy) => invoke<AppStatus>("set_notification_privacy", { level }),
  setKeepArchived: (on: boolean) => invoke<AppStatus>("set_keep_archived", { on }),
  /** The accounts on this computer, with their unread counts. */
  listAccounts: () => invoke<AccountView[]>("list_accounts"),
  /** Opens another account on this computer (the open one stays, signed in, in the switcher). */
  switchAccount: (address: string) => invoke<AppStatus>("switch_account", { address }),
  /** Notifications and the tray speak the UI's language. */
  setLanguage: (language: NativeLanguage) => invoke<void>("set_language", { language }),
  /** Messages matching what the user typed, newest first: in `topic`, or everywhere when null. */
  search: (query: string, topic: string | null, includeBlocked: boolean, limit: number) =>
    invoke<SearchHit[]>("search", { query, topic, includeBlocked, limit }),
  /** Live events (new messages, delivery states, sync progress, connection). */
  subscribe: (onEvent: (e: Event) => void) => {
    const channel = new Channel<Event>();
    channel.onmessage = onEvent;
    return invoke<void>("subscribe", { onEvent: channel });
  },
};

export type Backend = typeof backend;
