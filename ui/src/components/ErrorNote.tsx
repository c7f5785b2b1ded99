import { actionLabel, explain, type ErrorAction } from "../lib/errors";

/** An error from a command: its message, a hint by its code, and what can be done about it. */
export function ErrorNote({ error, onAction }: { error: unknown; onAction?: (a: ErrorAction) => void }) {
  if (error === null || error === undefined) return null;
  const { message, hint, action } = explain(error);
  return (
    <div className="error" role="alert">
      <p>{message}</p>
      {hint && <p className="small">{hint}</p>}
      {action && onAction && <button className="link" onClick={() => onAction(action)}>{actionLabel(action)}</button>}
    </div>
  );
}
