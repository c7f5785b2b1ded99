import { useId, type ReactNode } from "react";
import { Dialog } from "./Dialog";
import { strings } from "../lib/strings";

/**
 * An in-app confirmation (an alertdialog: modal, labelled by its title, described by its
 * message). Used instead of `window.confirm`, which a Tauri webview may ignore or answer "no"
 * to without asking (WKWebView on macOS), leaving the button doing nothing. Focus starts on
 * Cancel, Escape or a click outside cancels, and focus goes back where it came from.
 */
export function ConfirmDialog({ title, message, confirm, cancel = strings.confirmDialog.cancel, danger = false, id, onConfirm, onCancel }: {
  title: string;
  message: ReactNode;
  /** The confirming button's label (says what it does). */
  confirm: string;
  cancel?: string;
  /** Whether the confirmed action is one to be careful with (a red button). */
  danger?: boolean;
  /** The confirming button's id (`<id>`; Cancel is `<id>-cancel`). */
  id?: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const messageId = useId();
  return (
    <Dialog role="alertdialog" title={title} onClose={onCancel} className="confirm" describedBy={messageId}>
      <div id={messageId} className="confirm-message">{message}</div>
      <div className="dialog-actions">
        <span className="spacer" />
        <button type="button" id={id ? `${id}-cancel` : undefined} data-autofocus onClick={onCancel}>{cancel}</button>
        <button type="button" id={id} className={danger ? "danger" : "primary"} onClick={onConfirm}>{confirm}</button>
      </div>
    </Dialog>
  );
}
