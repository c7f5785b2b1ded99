import { useCallback, useEffect, useRef, useState } from "react";
import { backend, errorMessage, type AppStatus } from "./lib/backend";
import { Onboarding } from "./components/Onboarding";
import { Messenger } from "./components/Messenger";
import { PhraseSetup } from "./components/PhraseSetup";
import { Recovery } from "./components/Recovery";
import { stepZoom, zoomKey } from "./lib/zoom";
import { useStrings } from "./lib/i18n";
import { useNativeTexts } from "./lib/nativeTexts";
import { strings } from "./lib/strings";

/** Ctrl+= / Ctrl+- / Ctrl+0 and Ctrl+wheel zoom the page, from the level the profile keeps. */
function useZoom(initial: number | undefined) {
  const level = useRef(1);
  useEffect(() => {
    if (initial !== undefined) level.current = initial;
  }, [initial]);
  useEffect(() => {
    const apply = (next: number) => {
      if (next === level.current) return;
      level.current = next;
      backend.setZoom(next).catch(() => {});
    };
    const onKey = (e: KeyboardEvent) => {
      const k = zoomKey(e);
      if (k === null) return;
      e.preventDefault();
      apply(k === 0 ? 1 : stepZoom(level.current, k));
    };
    const onWheel = (e: WheelEvent) => {
      if (!e.ctrlKey || e.deltaY === 0) return;
      e.preventDefault();
      apply(stepZoom(level.current, e.deltaY < 0 ? 1 : -1));
    };
    window.addEventListener("keydown", onKey);
    window.addEventListener("wheel", onWheel, { passive: false });
    return () => {
      window.removeEventListener("keydown", onKey);
      window.removeEventListener("wheel", onWheel);
    };
  }, []);
}

export function App() {
  // Re-renders the whole app in the new language when it changes (Settings).
  useStrings();
  useNativeTexts();
  const [status, setStatus] = useState<AppStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [newAccount, setNewAccount] = useState(false);
  // "Add account" from the switcher: onboarding, with the open account kept (and a way back to it).
  const [adding, setAdding] = useState(false);
  const refresh = useCallback(() => {
    backend.appStatus().then(setStatus, (e) => setError(errorMessage(e)));
  }, []);
  useEffect(refresh, [refresh]);
  useZoom(status?.zoom);

  if (error) return <div className="fatal" role="alert">{error}</div>;
  if (!status) return <div className="loading" aria-busy="true">{strings.start.loading}</div>;
  if (status.problem) return <Recovery status={status} onStatus={setStatus} />;
  if (!status.address || adding) {
    return (
      <Onboarding status={status} onDone={(s) => { setAdding(false); setStatus(s); }}
        onCreated={(s) => { setAdding(false); setStatus(s); setNewAccount(true); }}
        onCancel={adding && status.address ? () => setAdding(false) : undefined} />
    );
  }
  if (newAccount) {
    return (
      <main className="onboarding">
        <PhraseSetup intro={strings.start.newAccountPhrase}
          onStatus={setStatus} onDone={() => setNewAccount(false)} />
      </main>
    );
  }
  // Keyed by account: a switch starts the messenger afresh (its list, selection and events).
  return <Messenger key={status.address} status={status} onStatus={setStatus} onAddAccount={() => setAdding(true)} />;
}
