import { useEffect, useRef } from "react";
import { createPortal } from "react-dom";
import { strings } from "../lib/strings";

/** A modal with the image at up to the window's size; Escape, the Close button or a click outside close it. */
export function ImageViewer({ url, name, opener, onClose }: {
  url: string;
  name: string;
  /** Gets focus back on close (WebKit does not focus a clicked button, so it is named, not guessed). */
  opener: HTMLElement | null;
  onClose: () => void;
}) {
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const back = opener ?? (document.activeElement as HTMLElement | null);
    close.current?.focus();
    return () => back?.focus?.();
  }, [opener]);
  return createPortal(
    <div className="viewer-backdrop" onMouseDown={(e) => { if (e.target === e.currentTarget) onClose(); }}>
      <div className="viewer" role="dialog" aria-modal="true" aria-label={strings.attachment.viewer(name)}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.preventDefault();
            e.stopPropagation();
            onClose();
          } else if (e.key === "Tab") {
            // The Close button is the only stop: focus stays in the dialog.
            e.preventDefault();
            close.current?.focus();
          }
        }}>
        <img src={url} alt={strings.attachment.image(name)} />
        <div className="row">
          <span className="muted small">{name}</span>
          <span className="spacer" />
          <button ref={close} type="button" onClick={onClose}>{strings.attachment.close}</button>
        </div>
      </div>
    </div>,
    document.body,
  );
}
