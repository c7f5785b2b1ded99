import { backend } from "../lib/backend";
import { linkify } from "../lib/links";

/** Message text with its http, https and mailto links as buttons that open them outside; never HTML. */
export function LinkedText({ text, onError }: { text: string; onError?: (e: unknown) => void }) {
  return (
    <>
      {linkify(text).map((s, i) =>
        s.kind === "text" ? (
          s.text
        ) : (
          <button key={i} type="button" className="link inline-link" title={s.url}
            onClick={() => backend.openLink(s.url).catch((e) => onError?.(e))}>
            {s.text}
          </button>
        ),
      )}
    </>
  );
}
