import { useCallback, useRef, useState } from "react";
import { backend, type MessageView } from "../lib/backend";
import { clockTime, fullDateTime, nsToDate } from "../lib/format";
import { isInlineImage } from "../lib/files";
import { strings } from "../lib/strings";
import { Attachment } from "./AttachmentView";
import { ContextMenu, type MenuItem } from "./ContextMenu";
import { DeliveryIcon, type Delivery } from "./DeliveryIcon";
import { EmojiPicker } from "./EmojiPicker";
import { LinkedText } from "./LinkedText";
import { Popover, anchorOf, type Anchor } from "./Popover";
import { Quote } from "./Quote";
import { Reactions } from "./Reactions";

/** Content types a bubble shows for what they are (others show their type next to the fallback text). */
const KNOWN = new Set(["xmtp.org/text:1.0", "xmtp.org/reply:1.0", "xmtp.org/attachment:1.0", "xmtp.org/remoteStaticAttachment:1.0"]);

export type BubbleActions = {
  onReply: (m: MessageView) => void;
  onJump: (id: string) => void;
  onReact: (m: MessageView, emoji: string, remove: boolean) => void;
  onError: (e: unknown) => void;
};

/**
 * One message: quote, attachment, text with links, time and state, reactions, and its menu. The
 * time shows once per run (on its last bubble); a delivery icon where it says something new.
 */
export function Bubble({ m, me, mine, showRead, highlighted, actions, last = true, spoken }: {
  m: MessageView;
  /** Who sent it and when, for screen readers (visually hidden). */
  spoken?: string;
  me: string;
  mine: boolean;
  /** The newest of own messages the peer has read: "Read" replaces its delivery state. */
  showRead: boolean;
  highlighted: boolean;
  actions: BubbleActions;
  /** The last bubble of its run: it shows the time. */
  last?: boolean;
}) {
  const [popup, setPopup] = useState<{ kind: "menu" | "emoji"; at: Anchor } | null>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const date = nsToDate(m.sent_ns);
  const time = clockTime(date);
  const delivery = mine ? deliveryOf(m, showRead, last) : null;
  const unknown = !KNOWN.has(m.content_type);
  const close = useCallback(() => {
    setPopup(null);
    opener.current?.focus();
  }, []);

  const items: MenuItem[] = [
    { id: "reply", label: strings.menu.reply, onSelect: () => actions.onReply(m) },
    { id: "react", label: strings.menu.react, onSelect: () => setPopup((p) => ({ kind: "emoji", at: p?.at ?? anchorOf(opener.current!) })) },
  ];
  if (m.text && !m.attachment) items.push({ id: "copy", label: strings.menu.copy, onSelect: () => { navigator.clipboard?.writeText(m.text).catch(actions.onError); } });
  if (m.attachment) items.push({ id: "save", label: strings.menu.save, onSelect: () => { backend.saveAttachment(m.id).catch(actions.onError); } });

  function toggle(emoji: string) {
    const mineAlready = m.reactions.some((r) => r.emoji === emoji && r.mine);
    actions.onReact(m, emoji, mineAlready);
  }

  return (
    <div className={`message ${mine ? "mine" : "theirs"}`}>
      <div className="bubble-line">
        <div
          className={`bubble ${mine ? "mine" : "theirs"}${highlighted ? " highlighted" : ""}${
            m.attachment && isInlineImage(m.attachment.mime_type) ? " with-image" : ""
          }`}
          data-id={m.id}
          data-state={m.state}
          tabIndex={-1}
          title={fullDateTime(date)}
          onContextMenu={(e) => {
            e.preventDefault();
            setPopup({ kind: "menu", at: { x: e.clientX, y: e.clientY } });
          }}
        >
          {spoken && <span className="sr-only">{spoken} </span>}
          {m.reply_to && <Quote quote={m.quote} me={me} onJump={actions.onJump} />}
          {m.attachment && <Attachment m={m} />}
          {!m.attachment && <div className="text" dir="auto"><LinkedText text={m.text} onError={actions.onError} /></div>}
          {last || delivery || unknown ? (
            <div className="meta muted small">
              {unknown && <span className="ctype">{m.content_type}{last ? " · " : ""}</span>}
              {last ? <time dateTime={date.toISOString()} aria-hidden={spoken ? true : undefined}>{time}</time> : !spoken && <span className="sr-only">{time}</span>}
              {delivery && <DeliveryIcon state={delivery} />}
              {delivery === "failed" && (
                <button type="button" className="link retry" aria-label={strings.delivery.retryLabel}
                  onClick={() => backend.retryMessage(m.id).catch(actions.onError)}>{strings.delivery.retry}</button>
              )}
            </div>
          ) : !spoken && <span className="sr-only">{time}</span>}
        </div>
        <button ref={opener} type="button" className="link more" aria-label={strings.menu.open} title={strings.menu.open}
          aria-haspopup="menu" aria-expanded={popup?.kind === "menu"}
          onClick={(e) => setPopup({ kind: "menu", at: anchorOf(e.currentTarget) })}>…</button>
      </div>
      <Reactions reactions={m.reactions} me={me} onToggle={(emoji, remove) => actions.onReact(m, emoji, remove)} />
      {popup && (
        <Popover anchor={popup.at} onClose={close}>
          {popup.kind === "menu" ? (
            <ContextMenu label={strings.menu.label} items={items} onClose={() => { setPopup((p) => (p?.kind === "menu" ? null : p)); opener.current?.focus(); }} />
          ) : (
            <EmojiPicker onPick={(e) => { close(); toggle(e); }} onClose={close} />
          )}
        </Popover>
      )}
    </div>
  );
}

/**
 * The icon an own message shows: "read" on the newest one the peer read; "pending" and "failed"
 * always (they need attention); "sent" only at the end of a run (the time's place).
 */
function deliveryOf(m: MessageView, showRead: boolean, last: boolean): Delivery | null {
  if (m.state === "failed") return "failed";
  if (m.state === "pending") return "pending";
  if (showRead) return "read";
  return last && m.state === "sent" ? "sent" : null;
}
