import { useState } from "react";
import { backend, type AppStatus, type NotificationPrivacy } from "../lib/backend";
import { strings } from "../lib/strings";

const LEVELS: NotificationPrivacy[] = ["full", "name_only", "nothing"];

/** Settings for notifications (what they show) and the archive (whether a message takes a conversation out). */
export function ConversationSettings({ status, onStatus, onError }: {
  status: AppStatus;
  onStatus: (s: AppStatus) => void;
  onError: (e: unknown) => void;
}) {
  const t = strings.settings;
  const [busy, setBusy] = useState(false);
  const run = (f: () => Promise<AppStatus>) => {
    setBusy(true);
    f().then(onStatus, onError).finally(() => setBusy(false));
  };
  return (
    <>
      <section aria-labelledby="notifications-heading">
        <h3 id="notifications-heading">{t.notifications}</h3>
        <fieldset className="plain" aria-describedby="notifications-help">
          <legend className="sr-only">{t.privacyLegend}</legend>
          {LEVELS.map((level) => (
            <label key={level} className="check">
              <input type="radio" name="notification-privacy" value={level} id={`privacy-${level}`} disabled={busy}
                checked={status.notification_privacy === level}
                onChange={() => run(() => backend.setNotificationPrivacy(level))} />
              {t.privacy[level]}
            </label>
          ))}
        </fieldset>
        <p id="notifications-help" className="muted small">{t.privacyHelp}</p>
      </section>
      <section aria-labelledby="archive-heading">
        <h3 id="archive-heading">{t.archive}</h3>
        <label className="check">
          <input type="checkbox" role="switch" id="keep-archived" aria-describedby="keep-archived-help" disabled={busy}
            checked={status.keep_archived} onChange={(e) => run(() => backend.setKeepArchived(e.target.checked))} />
          {t.keepArchived}
        </label>
        <p id="keep-archived-help" className="muted small">{t.keepArchivedHelp}</p>
      </section>
    </>
  );
}
