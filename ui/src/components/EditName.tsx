import { useState, type FormEvent } from "react";
import { backend } from "../lib/backend";
import { shortAddress } from "../lib/format";
import { strings } from "../lib/strings";
import { Dialog } from "./Dialog";
import { ErrorNote } from "./ErrorNote";

/** Names a contact, on this computer only (the dialog says so); an empty name removes it. */
export function EditName({ address, name, onDone, onClose }: {
  address: string;
  name: string | null;
  onDone: () => void;
  onClose: () => void;
}) {
  const [value, setValue] = useState(name ?? "");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const save = (next: string | null) => {
    setBusy(true);
    backend.setContactName(address, next).then(() => { onDone(); onClose(); }, (e) => { setError(e); setBusy(false); });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const v = value.trim();
    save(v ? v : null);
  };
  return (
    <Dialog title={strings.people.nameDialog(shortAddress(address))} onClose={onClose} className="edit-name">
      <form onSubmit={submit} className="dialog-form">
        <p className="mono small muted">{address}</p>
        <label htmlFor="contact-name">{strings.people.nameLabel}</label>
        <input id="contact-name" data-autofocus value={value} maxLength={64} placeholder={strings.people.namePlaceholder}
          onChange={(e) => setValue(e.target.value)} aria-describedby="contact-name-note" autoComplete="off" />
        <p id="contact-name-note" className="muted small">{strings.people.nameNote}</p>
        <ErrorNote error={error} />
        <div className="dialog-actions">
          {name && <button type="button" className="danger" disabled={busy} onClick={() => save(null)}>{strings.people.removeName}</button>}
          <span className="spacer" />
          <button type="button" onClick={onClose}>{strings.people.cancel}</button>
          <button type="submit" className="primary" disabled={busy}>{strings.people.save}</button>
        </div>
      </form>
    </Dialog>
  );
}
