import type { QuoteView } from "../lib/backend";
import { useNameOf } from "./names";
import { strings } from "../lib/strings";

/** The quoted message above a reply: its sender and first line; activating it goes to that message. */
export function Quote({ quote, me, onJump }: { quote: QuoteView | null; me: string; onJump: (id: string) => void }) {
  const nameOf = useNameOf();
  if (!quote) return <div className="quote missing muted small">{strings.quote.missing}</div>;
  const sender = quote.sender.toLowerCase() === me.toLowerCase() ? strings.thread.you : nameOf(quote.sender);
  const line = quote.content_type.includes("attachment") ? strings.quote.attachment(firstLine(quote.text)) : firstLine(quote.text);
  return (
    // Named by "In reply to" and its visible text (axe: label-content-name-mismatch); what it does is in the title.
    <button type="button" className="quote" data-target={quote.id} title={`${strings.quote.label(sender, line)} (${quote.sender})`}
      onClick={() => onJump(quote.id)}>
      <span className="sr-only">{`${strings.quote.prefix} `}</span>
      <span className="quote-sender">{sender}</span>
      <span className="quote-text">{line}</span>
    </button>
  );
}

/** The first line of a text, cut at 120 characters. */
export function firstLine(text: string): string {
  const line = text.split("\n", 1)[0];
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}
