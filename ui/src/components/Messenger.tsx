import { useCallback, useEffect, useRef, useState } from "react";
import { backend, type AppStatus, type ConnectionState, type ConversationView, type Event, type ListTab } from "../lib/backend";
import type { ErrorAction } from "../lib/errors";
import { ErrorNote } from "./ErrorNote";
import { ConversationList } from "./ConversationList";
import { Thread } from "./Thread";
import { NewConversation } from "./NewConversation";
import { Settings } from "./Settings";
import { PhraseSetup } from "./PhraseSetup";
import { shortAddress } from "../lib/format";
import { ChangeFeed } from "../lib/outbox";
import { AccountSwitcher } from "./AccountSwitcher";

export function Messenger({ status, onStatus, onAddAccount = () => {} }: {
  status: AppStatus;
  onStatus: (s: AppStatus) => void;
  /** "Add account" in the switcher: the create/import screens, the open account kept. */
  onAddAccount?: () => void;
}) {
  const [tab, setTab] = useState<ListTab>("messages");
  const [conversations, setConversations] = useState<ConversationView[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [panel, setPanel] = useState<"none" | "new" | "settings" | "phrase">("none");
  const [connection, setConnection] = useState<ConnectionState | "connecting">("connecting");
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [unreadable, setUnreadable] = useState(0);
  const [version, setVersion] = useState(0);
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const changes = useRef(new ChangeFeed()).current;
  const tabRef = useRef(tab);
  tabRef.current = tab;

  const reload = useCallback(() => {
    backend.listConversations(tabRef.current).then(setConversations, setError);
  }, []);
  useEffect(reload, [reload, tab]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const later = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        reload();
        setVersion((v) => v + 1);
      }, 50);
    };
    const onEvent = (e: Event) => {
      switch (e.type) {
        case "connection":
          setConnection(e.state);
          break;
        case "sync_progress":
          setProgress(e.done >= e.total ? null : { done: e.done, total: e.total });
          break;
        case "unreadable":
          setUnreadable(e.topics.length);
          break;
        case "conversation_added":
        case "message_added":
        case "message_state":
        case "missed":
          later();
          break;
        case "message_changed":
          changes.emit(e.topic, e.id);
          break;
        case "read_by_peer":
          changes.emit(e.topic, null);
          break;
        case "open_conversation":
          // A notification was clicked: its conversation, in the main list.
          setPanel("none");
          if (tabRef.current !== "messages") setTab("messages");
          setSelected(e.topic);
          break;
        default: {
          const unknown: never = e;
          console.warn("an event this UI does not know", unknown);
        }
      }
    };
    backend.subscribe(onEvent).catch(setError);
    return () => clearTimeout(timer);
  }, [reload, changes]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "n") {
        e.preventDefault();
        setPanel("new");
      } else if (e.key === "Escape") setPanel("none");
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const current = conversations.find((c) => c.topic === selected) ?? null;
  const onErrorAction = (a: ErrorAction) => {
    setError(null);
    if (a === "open_settings") setPanel("settings");
    else backend.appStatus().then(onStatus, setError);
  };
  const address = status.address ?? "";

  return (
    <div className={`app ${panel !== "none" || current ? "showing-main" : ""}`}>
      <aside className="sidebar">
        <header className="me">
          <AccountSwitcher address={address} version={version} onStatus={onStatus} onAdd={onAddAccount} onError={setError} />
          <button
            id="copy-address"
            className="address"
            title="Copy your address"
            onClick={() => navigator.clipboard?.writeText(address).then(() => { setCopied(true); setTimeout(() => setCopied(false), 1500); })}
          >
            {shortAddress(address)} <span className="muted small">{copied ? "copied" : "copy"}</span>
          </button>
          <button id="new-conversation" className="icon" title="New conversation (Ctrl+N)" aria-label="New conversation" onClick={() => setPanel("new")}>+</button>
          <button id="open-settings" className="icon" title="Settings" onClick={() => setPanel("settings")}>⚙</button>
        </header>
        {needsPhrase(status) && (
          <div className="banner" role="status" id="phrase-reminder">
            <span>{status.keychain_volatile ? "This computer's keyring forgets your keys when it restarts." : "Your account is not backed up yet."} Write down your recovery phrase.</span>
            <button className="link" onClick={() => setPanel("phrase")}>Show it</button>
          </div>
        )}
        {unreadable > 0 && (
          <div className="banner" role="alert" id="unreadable">
            {unreadable === 1 ? "A conversation" : `${unreadable} conversations`} cannot be read on this computer: the keys stored for {unreadable === 1 ? "it do" : "them do"} not open. Sign out and sign in again with your recovery phrase to restore them.
          </div>
        )}
        <div className={`connection ${connection}`} id="connection-state">
          {connectionLabel(connection)}
          {connection === "disconnected" && <button className="link" onClick={() => setPanel("settings")}>Change node</button>}
          {progress && <progress max={progress.total} value={progress.done} aria-label="Sync progress" />}
        </div>
        <ConversationList tab={tab} onTab={setTab} conversations={conversations} selected={selected} onSelect={setSelected} />
      </aside>
      <section className="main">
        <ErrorNote error={error} onAction={onErrorAction} />
        {panel === "new" && (
          <NewConversation
            onClose={() => setPanel("none")}
            onStarted={(topic) => { setPanel("none"); setTab("messages"); reload(); setSelected(topic); }}
          />
        )}
        {panel === "settings" && <Settings status={status} onStatus={onStatus} onClose={() => setPanel("none")} onShowPhrase={() => setPanel("phrase")} />}
        {panel === "phrase" && (
          <PhraseSetup intro="These 12 words are the only way back into this account if this computer is lost or its keychain forgets it. Make sure nobody can see your screen."
            onStatus={onStatus} onDone={() => setPanel("none")} />
        )}
        {panel === "none" && current && (
          <Thread
            key={current.topic}
            conversation={current}
            me={address}
            version={version}
            changes={changes}
            readReceipts={status.read_receipts}
            onChanged={reload}
            onBack={() => setSelected(null)}
            onLeave={() => setSelected(null)}
            onConsent={(allowed) => { if (tabRef.current === (allowed ? "messages" : "blocked")) reload(); else setTab(allowed ? "messages" : "blocked"); }}
          />
        )}
        {panel === "none" && !current && <div className="empty muted">Choose a conversation, or start one with +.</div>}
      </section>
    </div>
  );
}

function connectionLabel(c: ConnectionState | "connecting"): string {
  switch (c) {
    case "connected":
      return "Connected";
    case "disconnected":
      return "Offline — reconnecting";
    case "connecting":
      return "Connecting…";
  }
}

/** Remind until the phrase is confirmed — always, where the keychain forgets keys at reboot. */
function needsPhrase(s: AppStatus): boolean {
  return s.recovery !== null && s.recovery.has_phrase && (!s.recovery.phrase_confirmed || s.keychain_volatile);
}
