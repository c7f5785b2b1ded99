import { useCallback, useEffect, useState } from "react";
import { backend, errorMessage, type AppStatus } from "./lib/backend";
import { Onboarding } from "./components/Onboarding";
import { Messenger } from "./components/Messenger";

export function App() {
  const [status, setStatus] = useState<AppStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = useCallback(() => {
    backend.appStatus().then(setStatus, (e) => setError(errorMessage(e)));
  }, []);
  useEffect(refresh, [refresh]);

  if (error) return <div className="fatal" role="alert">{error}</div>;
  if (!status) return <div className="loading" aria-busy="true">Starting Courier…</div>;
  if (!status.address) return <Onboarding onDone={setStatus} />;
  return <Messenger status={status} onStatus={setStatus} />;
}
