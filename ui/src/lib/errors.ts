// What the UI does about an error: it reads the error's `code`, never its text. Every code has
// a hint and, where the user can do something about it here, an action.
import { errorMessage, isApiError, type ErrorCode } from "./backend";
import { strings } from "./strings";

/** Something the user can do about an error. */
export type ErrorAction = "open_settings" | "sign_in_again" | "reload";

export type Explained = { message: string; hint: string | null; action: ErrorAction | null };

/** What to show, and offer, for an error thrown by a command. */
export function explain(e: unknown): Explained {
  const message = errorMessage(e);
  if (!isApiError(e)) return { message, hint: null, action: null };
  const [hint, action] = advice(e.code);
  return { message, hint, action };
}

function advice(code: ErrorCode): [string | null, ErrorAction | null] {
  switch (code) {
    case "node":
      return ["Courier cannot use its node. Check the node's address; if it is right, the node may be down, and Courier keeps retrying.", "open_settings"];
    case "keychain":
      return ["Unlock this computer's keychain (GNOME Keyring, KWallet, macOS Keychain) and try again.", null];
    case "keys_missing":
      return ["This computer's keychain no longer holds the account's keys. Sign in again with your wallet key or recovery phrase: your account is restored from its encrypted backup.", "sign_in_again"];
    case "no_account":
      return [null, "reload"];
    case "not_on_network":
      return ["They have not used XMTP yet: they need to sign in to an XMTP app once.", null];
    case "store_too_new":
      return ["This profile was last opened by a newer Courier. Install that version again to open it; nothing was changed.", null];
    case "store_unreadable":
      return [strings.storeRecovery.hint, null];
    case "internal":
      return ["Something went wrong inside Courier; the details are in its log.", null];
    case "attachment_not_asked":
      return ["Files from someone you have not accepted are fetched only when you ask.", null];
    case "attachment_blocked":
      return ["Files from blocked people are never fetched.", null];
    case "attachment_unsafe":
      return ["Courier did not fetch this file: its address is not allowed, or it is not the file the message names.", null];
    case "attachment_transfer":
      return ["The file could not be sent or fetched (network, node or size). Try again later.", null];
    case "bad_input":
    case "not_found":
      return [null, null];
    default: {
      const unknown: never = code;
      return [String(unknown), null];
    }
  }
}

/** The label of an action's button. */
export function actionLabel(a: ErrorAction): string {
  switch (a) {
    case "open_settings":
      return "Open Settings";
    case "sign_in_again":
      return "Sign in again";
    case "reload":
      return "Reload";
  }
}
