// The app's keyboard shortcuts: what a key press means (`shortcutOf`), and the list the help
// sheet shows. Ctrl stands for ⌘ on macOS too.
import { strings } from "./strings";

export type Shortcut =
  | { kind: "switcher" }
  | { kind: "help" }
  | { kind: "new" }
  | { kind: "step"; by: 1 | -1 }
  | { kind: "nth"; n: number }
  | { kind: "search"; everywhere: boolean };

type Keyish = Pick<KeyboardEvent, "key" | "code" | "ctrlKey" | "metaKey" | "altKey" | "shiftKey">;

/** The shortcut a key press is, if any. */
export function shortcutOf(e: Keyish): Shortcut | null {
  const ctrl = e.ctrlKey || e.metaKey;
  if (e.altKey && !ctrl && !e.shiftKey) {
    if (e.key === "ArrowUp") return { kind: "step", by: -1 };
    if (e.key === "ArrowDown") return { kind: "step", by: 1 };
    return null;
  }
  if (!ctrl || e.altKey) return null;
  const key = e.key.toLowerCase();
  // "/" sits on Shift+7 on a German keyboard: the key, or the US layout's slash position
  // unless that key is "-" there (QWERTZ: Ctrl+- zooms out).
  if (key === "/" || (e.code === "Slash" && key !== "-" && key !== "_")) return { kind: "help" };
  if (key === "f" || e.code === "KeyF") return { kind: "search", everywhere: e.shiftKey };
  if (e.shiftKey) return null;
  if (key === "k") return { kind: "switcher" };
  if (key === "n") return { kind: "new" };
  if (/^[1-9]$/.test(e.key)) return { kind: "nth", n: Number(e.key) };
  const digit = /^Digit([1-9])$/.exec(e.code);
  if (digit) return { kind: "nth", n: Number(digit[1]) };
  return null;
}

/** The topic `by` places from `current` in `topics` (the first or last when none is open; kept at the ends). */
export function stepTopic(topics: readonly string[], current: string | null, by: 1 | -1): string | null {
  if (topics.length === 0) return null;
  const at = current === null ? -1 : topics.indexOf(current);
  if (at < 0) return by === 1 ? topics[0] : topics[topics.length - 1];
  return topics[Math.min(topics.length - 1, Math.max(0, at + by))];
}

/** Every shortcut, as the help sheet lists it: keys (each a key cap) and what they do. */
export function shortcutList(): { keys: string[]; what: string }[] {
  const k = strings.keys;
  return [
    { keys: ["Ctrl", "K"], what: k.switcher },
    { keys: ["Alt", "↑"], what: k.previous },
    { keys: ["Alt", "↓"], what: k.next },
    { keys: ["Ctrl", "1…9"], what: k.nth },
    { keys: ["Ctrl", "N"], what: k.newConversation },
    { keys: ["Ctrl", "F"], what: strings.search.shortcutThread },
    { keys: ["Ctrl", "Shift", "F"], what: strings.search.shortcutAll },
    { keys: ["Ctrl", "/"], what: k.help },
    { keys: ["Esc"], what: k.close_panel },
    { keys: ["Enter"], what: k.send },
    { keys: ["Shift", "Enter"], what: k.newline },
    { keys: ["Ctrl", "+ − 0"], what: k.zoom },
  ];
}
