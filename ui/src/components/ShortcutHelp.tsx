import { useId, useRef } from "react";
import { useFocusReturn } from "../lib/focus";
import { useStrings } from "../lib/i18n";
import { shortcutList } from "../lib/shortcuts";

/** Ctrl+/: every shortcut in a dialog; Escape or Close puts focus back where it was. */
export function ShortcutHelp({ onClose }: { onClose: () => void }) {
  const t = useStrings().keys;
  const root = useRef<HTMLDivElement>(null);
  const close = useRef<HTMLButtonElement>(null);
  useFocusReturn(root, onClose, { trap: true, initial: close });
  const id = useId();
  return (
    <div className="modal-backdrop" onMouseDown={(e) => { if (e.target === e.currentTarget) onClose(); }}>
      <div ref={root} className="dialog shortcut-help" role="dialog" aria-modal="true" aria-labelledby={id} id="shortcut-help">
        <h2 id={id} className="dialog-title">{t.title}</h2>
        <dl className="shortcut-list">
          {shortcutList().map(({ keys, what }) => (
            <div key={what} className="shortcut">
              <dt>{keys.map((k, i) => <span key={i}>{i > 0 && "+"}<kbd>{k}</kbd></span>)}</dt>
              <dd>{what}</dd>
            </div>
          ))}
        </dl>
        <div className="row"><button ref={close} id="close-shortcuts" onClick={onClose}>{t.close}</button></div>
      </div>
    </div>
  );
}
