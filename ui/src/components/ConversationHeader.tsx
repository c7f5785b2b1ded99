import { useCallback, useRef, useState } from "react";
import { useFocusReturn } from "../lib/focus";
import { backend, type ConsentState, type ConversationView, type Flag } from "../lib/backend";
import { shortAddress } from "../lib/format";
import { peerName } from "../lib/people";
import { strings } from "../lib/strings";
import { Avatar } from "./Avatar";
import { ContextMenu, type MenuItem } from "./ContextMenu";
import { Dialog } from "./Dialog";
import { EditName } from "./EditName";
import { Popover, anchorOf, type Anchor } from "./Popover";

const S = strings.conversation;

/**
 * A thread's header: who (identicon, name, context title, the address a click from the
 * clipboard), Accept for requests, and the conversation's menu: pin, mute, archive, mark as
 * unread, name, block (confirmed) and the protocol details under "Advanced".
 */
export function ConversationHeader({ conversation: c, onBack, onChanged, onConsent, onLeave, onError }: {
  conversation: ConversationView;
  onBack: () => void;
  /** The conversation changed (the list reloads). */
  onChanged: () => void;
  onConsent: (allowed: boolean) => void;
  /** Marked unread or (un)archived: the thread closes. */
  onLeave: () => void;
  onError: (e: unknown) => void;
}) {
  const [menu, setMenu] = useState<Anchor | null>(null);
  const [dialog, setDialog] = useState<"none" | "name" | "block">("none");
  const [advanced, setAdvanced] = useState(false);
  const [copied, setCopied] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  const closeMenu = useCallback(() => {
    setMenu(null);
    opener.current?.focus();
  }, []);

  const flag = (f: Flag, on: boolean) =>
    backend.setConversationFlag(c.topic, f, on).then(() => {
      onChanged();
      if (f === "archived" || (f === "unread" && on)) onLeave();
    }, onError);
  const consent = (allowed: boolean) => backend.setConsent(c.peer, allowed).then(() => onConsent(allowed), onError);
  const copy = () =>
    navigator.clipboard?.writeText(c.peer).then(() => { setCopied(true); setTimeout(() => setCopied(false), 1500); }, onError);

  const can = offers(c.consent);
  const items: MenuItem[] = [
    { id: "pin", label: c.pinned ? S.unpin : S.pin, onSelect: () => flag("pinned", !c.pinned) },
    { id: "mute", label: c.muted ? S.unmute : S.mute, onSelect: () => flag("muted", !c.muted) },
    { id: "archive", label: c.archived ? S.unarchive : S.archive, onSelect: () => flag("archived", !c.archived) },
  ];
  if (c.unread === 0 && !c.marked_unread) items.push({ id: "unread", label: S.markUnread, onSelect: () => flag("unread", true) });
  items.push({ id: "name", label: strings.people.editName, onSelect: () => setDialog("name") });
  if (can.block) items.push({ id: "block", label: S.block, onSelect: () => setDialog("block") });
  items.push({ id: "advanced", label: S.advanced, onSelect: () => setAdvanced(true) });

  const name = peerName(c);
  return (
    <>
      <header className="thread-head">
        <button id="back" className="back icon" title={strings.threadHead.back} aria-label={strings.threadHead.back} onClick={onBack}>←</button>
        <Avatar address={c.peer} size={36} />
        <div className="who">
          <h2 id="thread-title" title={c.peer}><bdi>{name}</bdi></h2>
          <div className="who-sub muted small">
            {c.title && <span className="context" title={c.title} dir="auto">{c.title}</span>}
            <button type="button" id="copy-peer" className="link copy" title={strings.people.copyAddressOf(c.peer)} onClick={copy}>
              {copied ? strings.people.copied : c.name ? shortAddress(c.peer) : strings.people.copyAddress}
            </button>
          </div>
        </div>
        <span className="spacer" />
        {c.pinned && <span className="flag muted small">{strings.list.pinned}</span>}
        {c.muted && <span className="flag muted small">{strings.list.muted}</span>}
        {can.allow && <button id="allow-peer" onClick={() => consent(true)}>{S.accept}</button>}
        <button ref={opener} id="conversation-menu" className="icon" aria-label={S.menu} title={S.menu} aria-haspopup="menu"
          aria-expanded={menu !== null} onClick={(e) => setMenu(anchorOf(e.currentTarget))}>⋯</button>
      </header>
      {menu && (
        <Popover anchor={menu} onClose={closeMenu}>
          <ContextMenu label={S.menu} items={items} onClose={closeMenu} />
        </Popover>
      )}
      {advanced && <Advanced c={c} onClose={() => setAdvanced(false)} />}
      {dialog === "name" && <EditName address={c.peer} name={c.name} onDone={onChanged} onClose={() => setDialog("none")} />}
      {dialog === "block" && (
        <Dialog role="alertdialog" title={S.blockTitle(name)} onClose={() => setDialog("none")} className="confirm-block">
          <p>{S.blockBody}</p>
          <p className="muted">{S.blockUndo}</p>
          <div className="dialog-actions">
            <span className="spacer" />
            <button type="button" data-autofocus onClick={() => setDialog("none")}>{strings.people.cancel}</button>
            <button type="button" id="confirm-block" className="danger" onClick={() => { setDialog("none"); consent(false); }}>{S.blockConfirm}</button>
          </div>
        </Dialog>
      )}
    </>
  );
}

/** Which consent actions a conversation offers, by the peer's state. */
function offers(c: ConsentState): { allow: boolean; block: boolean } {
  switch (c) {
    case "allowed":
      return { allow: false, block: true };
    case "denied":
      return { allow: true, block: false };
    case "unknown":
      return { allow: true, block: true };
  }
}

/** The protocol details: focus moves in, and back to where it was on Escape or Close. */
function Advanced({ c, onClose }: { c: ConversationView; onClose: () => void }) {
  const root = useRef<HTMLElement>(null);
  useFocusReturn(root, onClose);
  return (
    <section ref={root} className="advanced" aria-label={S.advancedTitle} tabIndex={-1}>
      <dl>
        <dt>{S.address}</dt><dd className="mono">{c.peer}</dd>
        <dt>{S.protocol}</dt><dd>{c.version === "v1" ? S.v1 : S.v2}</dd>
        {c.conversation_id && <><dt>{S.conversationId}</dt><dd className="mono">{c.conversation_id}</dd></>}
        <dt>{S.topic}</dt><dd className="mono">{c.topic}</dd>
      </dl>
      <button type="button" className="link" onClick={onClose}>{S.close}</button>
    </section>
  );
}
