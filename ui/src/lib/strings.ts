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
} as const;
