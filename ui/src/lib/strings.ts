// User-facing text, one key per string: `en` is the English catalogue, and every other language
// (strings.de.ts) has the same shape (`Catalogue`). Components read `strings`, which is the active
// language's catalogue (chosen in i18n.ts through i18next). (Older components still hold some
// text inline.)
export const en = {
  node: {
    unadopted: (url: string) =>
      `A node is running at ${url} that this app did not start (it could not prove it is one of your Courier windows), so Courier uses its own built-in node. If you started it yourself (for example with "courier node") and want to use it, enter ${url} as the node URL below.`,
  },
  gateway: {
    heading: "Local HTTP gateway",
    label: "Serve the HTTP gateway on this computer",
    help: "Lets apps on this computer that speak XMTP over HTTP (such as xmtp-js) use Courier's built-in node. Off unless you need it: any program on this computer could then reach the node.",
    servingAt: (url: string) => `Serving at ${url}`,
    notBuiltIn: "Only Courier's built-in node serves the gateway; this profile uses another node.",
  },
  storeRecovery: {
    hint: "Courier cannot read this account's messages on this computer: the key in the keychain does not open them (the keychain was replaced or reset, or the file is damaged). You can start with a fresh store: the unreadable file is kept beside it, never deleted, and your conversations and messages come back from the network. Drafts, names you gave people, pins and files that were only on this computer stay in the old file.",
    start: "Start with a fresh store",
    confirm: "Set the unreadable store aside and start with a fresh one? The old file is kept in the account's folder; your history is downloaded from the network again.",
  },
  export: {
    heading: "Export history",
    help: "Saves every conversation and message, with their attachments in a folder beside the file, in a form any browser or program can read without Courier. The export is not encrypted.",
    format: "Format",
    html: "Web page (HTML)",
    jsonl: "Data (JSON lines)",
    start: "Export history…",
    busy: "Exporting…",
    confirm: "The export is NOT encrypted: anyone who can read the files can read all your conversations and their attachments. Keep it somewhere only you can reach, and delete it when you no longer need it. Export now?",
    done: (path: string) => `Exported to ${path}`,
  },
  receipts: {
    heading: "Read receipts",
    label: "Send read receipts",
    help: "Lets the people you write to see when you have read their messages. Sent only while Courier's window is in front and the conversation is open at its newest message.",
  },
  thread: {
    read: "Read",
    state: { pending: "pending", sent: "sent", failed: "failed", received: "received" },
    retry: "retry",
    jumpToNewest: "Jump to the newest messages",
    you: "you",
  },
  menu: {
    open: "Message actions",
    label: "Message actions",
    reply: "Reply",
    react: "React…",
    copy: "Copy text",
    save: "Save attachment",
  },
  reactions: {
    group: "Reactions",
    chip: (emoji: string, count: number, who: string, mine: boolean) =>
      `${emoji} ${count}: ${who}. ${mine ? "Activate to remove your reaction" : "Activate to react with it too"}`,
  },
  quote: {
    label: (sender: string, text: string) => `In reply to ${sender}: ${text}. Activate to go to that message`,
    missing: "In reply to a message that is not on this computer",
    /** Read before the quote's visible sender and text (its accessible name starts with them). */
    prefix: "In reply to",
    attachment: (name: string) => `📎 ${name}`,
  },
  attachment: {
    image: (name: string) => `Image: ${name}`,
    open: (name: string) => `Open ${name} larger`,
    close: "Close",
    viewer: (name: string) => `Image ${name}`,
    save: "Save",
    saveLabel: (name: string) => `Save ${name}`,
    saved: (path: string) => `Saved to ${path}`,
    download: "Download",
    downloadLabel: (name: string, size: string) => `Download ${name} (${size})`,
    loading: "Loading…",
    file: (name: string, size: string) => `${name}, ${size}`,
  },
  emoji: {
    picker: "Choose an emoji",
  },
  composer: {
    label: "Message",
    placeholder: "Message (Enter sends, Shift+Enter for a new line)",
    send: "Send",
    replyingTo: (sender: string, text: string) => `Replying to ${sender}: ${text}`,
    cancelReply: "Cancel reply",
    sendingFiles: "Sending…",
  },
  // Issue #14, people and conversation controls (helper B).
  delivery: {
    pending: "Sending",
    sent: "Sent",
    read: "Read",
    failed: "Not sent",
    retry: "Retry",
    retryLabel: "Retry sending this message",
  },
  people: {
    copyAddress: "Copy address",
    copyAddressOf: (address: string) => `Copy the address ${address}`,
    copied: "Copied",
    editName: "Edit name",
    nameDialog: (address: string) => `Name for ${address}`,
    nameLabel: "Name",
    namePlaceholder: "For example: Alice from work",
    nameNote: "Names stay on this computer. They are never sent to anyone.",
    save: "Save",
    removeName: "Remove the name",
    cancel: "Cancel",
  },
  conversation: {
    menu: "Conversation actions",
    pin: "Pin",
    unpin: "Unpin",
    mute: "Mute",
    unmute: "Unmute",
    archive: "Archive",
    unarchive: "Move out of the archive",
    markUnread: "Mark as unread",
    accept: "Accept",
    block: "Block",
    advanced: "Advanced",
    advancedTitle: "Advanced details",
    close: "Close",
    protocol: "Protocol",
    conversationId: "Conversation id",
    topic: "Topic",
    address: "Address",
    v1: "XMTP V1",
    v2: "XMTP V2",
    blockTitle: (who: string) => `Block ${who}?`,
    blockBody: "You will get no more messages or notifications from this address, and the conversation moves to Blocked. They are not told.",
    blockUndo: "You can undo this at any time: open the conversation in Blocked and choose Accept.",
    blockConfirm: "Block",
  },
  list: {
    filter: "Filter by name or address",
    pinned: "Pinned",
    muted: "Muted",
    markedUnread: "Marked as unread",
    unread: (n: number) => `${n} unread`,
    draft: (text: string) => `Draft: ${text}`,
    archived: "Archived",
    nothing: "Nothing here.",
  },
  accounts: {
    switcher: "Accounts",
    switcherLabel: (current: string, unread: number) =>
      unread > 0 ? `Accounts (${current}); ${unread} unread in other accounts` : `Accounts (${current})`,
    current: "open",
    add: "Add account",
    unread: (n: number) => `${n} unread`,
    backToAccount: "Back to your account",
  },
  settings: {
    notifications: "Notifications",
    privacyLegend: "What a notification shows",
    privacy: { full: "The name and the message", name_only: "The name only", nothing: "Nothing: only that a message came" },
    privacyHelp: "Notifications show on this computer's screen, where others may see them. None come for requests, blocked or muted conversations.",
    archive: "Archive",
    keepArchived: "Keep archived conversations archived when a message arrives",
    keepArchivedHelp: "Off: a new message moves an archived conversation back to Messages.",
  },
  // Accessibility, languages and keys (helper C).
  a11y: {
    tabs: "Conversation lists",
    tab: { messages: "Messages", requests: "Requests", blocked: "Blocked", archived: "Archived" } as Record<string, string>,
    filter: "Filter by name or address",
    nothing: "Nothing here.",
    draft: (text: string) => `Draft: ${text}`,
    unread: (n: number) => `${n} unread`,
    conversations: "Conversations",
    copyAddress: "Copy your address",
    copy: "copy",
    copied: "copied",
    newConversation: "New conversation",
    settings: "Settings",
    shortcuts: "Keyboard shortcuts",
    messages: (peer: string) => `Messages with ${peer}`,
    message: (sender: string, when: string) => `${sender}, ${when}:`,
    incoming: (who: string, text: string) => `New message from ${who}: ${text}`,
    incomingMany: (n: number) => `${n} new messages`,
    choose: "Choose a conversation, or start one with +.",
    connected: "Connected",
    offline: "Offline — reconnecting",
    connecting: "Connecting…",
    changeNode: "Change node",
    syncProgress: "Sync progress",
  },
  switcher: {
    title: "Go to a conversation",
    input: "Name or address",
    none: "No conversation matches.",
  },
  keys: {
    title: "Keyboard shortcuts",
    close: "Close",
    switcher: "Go to a conversation",
    previous: "Previous conversation",
    next: "Next conversation",
    nth: "The first to ninth conversation",
    newConversation: "New conversation",
    help: "This list of shortcuts",
    close_panel: "Close the open panel or dialog",
    send: "Send the message",
    newline: "A new line in the message",
    zoom: "Zoom in, out, back to 100%",
  },
  day: { today: "Today", yesterday: "Yesterday" },
  language: {
    heading: "Language",
    label: "Language of the app",
    system: "As the system (English if not available)",
  },
  onboarding: {
    welcome: "Welcome to Courier",
    intro: "Private messages over XMTP. Your keys stay in this computer's keychain.",
    create: "Create a new account",
    creating: "Creating…",
    phrase: "Use a recovery phrase",
    key: "Use a wallet private key",
    restore: "An account that already uses XMTP is restored from its encrypted backup on the network.",
    here: "On this computer",
    signInAs: "Sign in as",
    volatile: "Keys are kept in the kernel keyring, which forgets them when this computer restarts. Keep your recovery phrase: it signs you in again.",
  },
};

/** The shape every language's catalogue has. */
export type Catalogue = typeof en;

let active: Catalogue = en;

/** Makes `c` the catalogue `strings` reads (i18n.ts calls it when the language changes). */
export function setCatalogue(c: Catalogue): void {
  active = c;
}

/** The active language's catalogue (English until i18n.ts picks another). */
export const strings: Catalogue = new Proxy({} as Catalogue, {
  get: (_, key) => active[key as keyof Catalogue],
  has: (_, key) => key in active,
  ownKeys: () => Reflect.ownKeys(active),
  getOwnPropertyDescriptor: (_, key) => Reflect.getOwnPropertyDescriptor(active, key),
});
