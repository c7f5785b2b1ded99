// What the UI does about an error: it reads the error's `code`, never its text. Every code has
// a hint (from the catalogue, strings.ts) and, where the user can do something about it here, an action.
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
      return [strings.problems.node, "open_settings"];
    case "keychain":
      return [strings.problems.keychain, null];
    case "keys_missing":
      return [strings.problems.keysMissing, "sign_in_again"];
    case "no_account":
      return [null, "reload"];
    case "not_on_network":
      return [strings.problems.notOnNetwork, null];
    case "store_too_new":
      return [strings.problems.storeTooNew, null];
    case "store_unreadable":
      return [strings.storeRecovery.hint, null];
    case "internal":
      return [strings.problems.internal, null];
    case "attachment_not_asked":
      return [strings.problems.attachmentNotAsked, null];
    case "attachment_blocked":
      return [strings.problems.attachmentBlocked, null];
    case "attachment_unsafe":
      return [strings.problems.attachmentUnsafe, null];
    case "attachment_transfer":
      return [strings.problems.attachmentTransfer, null];
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
      return strings.problems.openSettings;
    case "sign_in_again":
      return strings.problems.signInAgain;
    case "reload":
      return strings.problems.reload;
  }
}
