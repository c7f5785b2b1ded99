// User-facing text that is kept apart from the components, one key per string, so a translation
// can replace this object. (Older components still hold their text inline.)
export const strings = {
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
} as const;
