import type { ReactionView } from "../lib/backend";
import { useNameOf } from "./names";
import { strings } from "../lib/strings";

/** Chips under a bubble: emoji and count, who reacted in the label and title; a click toggles yours. */
export function Reactions({ reactions, me, onToggle }: {
  reactions: ReactionView[];
  me: string;
  onToggle: (emoji: string, remove: boolean) => void;
}) {
  const nameOf = useNameOf();
  if (reactions.length === 0) return null;
  const isMe = (a: string) => a.toLowerCase() === me.toLowerCase();
  return (
    <div className="reactions" role="group" aria-label={strings.reactions.group}>
      {reactions.map((r) => {
        const who = r.from.map((a) => (isMe(a) ? strings.thread.you : nameOf(a))).join(", ");
        const full = r.from.map((a) => (isMe(a) ? `${strings.thread.you} (${a})` : a)).join("\n");
        return (
          <button key={r.emoji} type="button" className={`chip ${r.mine ? "mine" : ""}`} aria-pressed={r.mine}
            aria-label={strings.reactions.chip(r.emoji, r.from.length, who, r.mine)} title={full}
            onClick={() => onToggle(r.emoji, r.mine)}>
            <span aria-hidden="true">{r.emoji}</span> <span className="count">{r.from.length}</span>
          </button>
        );
      })}
    </div>
  );
}
