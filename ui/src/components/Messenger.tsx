import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { backend, type AppStatus, type ConnectionState, type ConversationView, type Event, type ListTab, type SearchHit } from "../lib/backend";
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
import { useStrings } from "../lib/i18n";
import { shortcutOf, stepTopic } from "../lib/shortcuts";
import { useFocusReturn } from "../lib/focus";
import { QuickSwitcher } from "./QuickSwitcher";
import { tabOf } from "../lib/tabs";
import { ShortcutHelp } from "./ShortcutHelp";
import { SearchPanel } from "./SearchPanel";
import { useAnnouncer } from "./useAnnouncer";

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
  // A dialog over the window: the quick switcher (Ctrl+K) or the shortcuts (Ctrl+/).
  const [overlay, setOverlay] = useState<"none" | "switcher" | "help" | "search">("none");
  // Search (Ctrl+F: the open conversation, Ctrl+Shift+F: all), and the hit to show in its thread.
  const [searchTopic, setSearchTopic] = useState<string | null>(null);
  const [found, setFound] = useState<{ topic: string; id: string; seq: number } | null>(null);
  const s = useStrings();
  const t = s.a11y;
  const changes = useRef(new ChangeFeed()).current;
  const tabRef = useRef(tab);
  tabRef.current = tab;
  const listRef = useRef(conversations);
  listRef.current = conversations;
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  const address = status.address ?? "";
  const announcer = useAnnouncer(address, conversations);
  const heard = announcer.heard;

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
        case "message_added":
          heard(e.topic, e.id);
          later();
          break;
        case "conversation_added":
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
          // A notification was clicked: its conversation, in the main list. An open panel
          // (a half-typed New conversation, Settings) stays: the conversation opens behind it,
          // in the tab that lists it (an archived one kept archived: Archived).
          void tabOf(e.topic).then((t) => {
            if (tabRef.current !== t) setTab(t);
            setSelected(e.topic);
          });
          break;
        default: {
          const unknown: never = e;
          console.warn("an event this UI does not know", unknown);
        }
      }
    };
    backend.subscribe(onEvent).catch(setError);
    return () => clearTimeout(timer);
  }, [reload, changes, heard]);

  const open = useCallback((topic: string | null) => {
    if (topic === null) return;
    setOverlay("none");
    setPanel("none");
    setSelected(topic);
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const k = shortcutOf(e);
      // A modal dialog (a confirmation, the search, the switcher) has the keyboard: nothing
      // behind it changes while it is open, and its own Escape closes it. The shortcut's key
      // still goes nowhere else (Ctrl+F would open the web view's own find bar).
      if (document.querySelector('[aria-modal="true"]')) {
        if (k !== null) e.preventDefault();
        return;
      }
      if (k === null) {
        if (e.key === "Escape") setPanel("none");
        return;
      }
      e.preventDefault();
      const topics = listRef.current.map((c) => c.topic);
      switch (k.kind) {
        case "new":
          setOverlay("none");
          setPanel("new");
          break;
        case "switcher":
          setOverlay("switcher");
          break;
        case "help":
          setOverlay("help");
          break;
        case "step":
          open(stepTopic(topics, selectedRef.current, k.by));
          break;
        case "nth":
          open(topics[k.n - 1] ?? null);
          break;
        case "search":
          setSearchTopic(k.everywhere ? null : selectedRef.current);
          setOverlay("search");
          break;
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [open]);

  /** A search hit: its conversation (from whichever tab lists it), open at the message. */
  const openHit = useCallback(async (hit: SearchHit) => {
    setOverlay("none");
    setPanel("none");
    if (!listRef.current.some((c) => c.topic === hit.topic)) {
      for (const tab of ["messages", "requests", "archived", "blocked"] as const) {
        const list = await backend.listConversations(tab).catch(() => []);
        if (list.some((c) => c.topic === hit.topic)) {
          setTab(tab);
          setConversations(list);
          break;
        }
      }
    }
    setSelected(hit.topic);
    setFound((f) => ({ topic: hit.topic, id: hit.id, seq: (f?.seq ?? 0) + 1 }));
  }, []);

  // Another conversation chosen: the hit is done with (coming back opens at the newest).
  useEffect(() => setFound((f) => (f && f.topic !== selected ? null : f)), [selected]);

  const current = conversations.find((c) => c.topic === selected) ?? null;
  const onErrorAction = (a: ErrorAction) => {
    setError(null);
    if (a === "open_settings") setPanel("settings");
    else backend.appStatus().then(onStatus, setError);
  };
  const closePanel = () => setPanel("none");

  return (
    <div className={`app ${panel !== "none" || current ? "showing-main" : ""}`}>
      <aside className="sidebar">
        <header className="me">
          <AccountSwitcher address={address} onStatus={onStatus} onAdd={onAddAccount} onError={setError} />
          <button
            id="copy-address"
            className="address"
            title={`${t.copyAddress}: ${address}`}
            onClick={() => navigator.clipboard?.writeText(address).then(() => { setCopied(true); setTimeout(() => setCopied(false), 1500); })}
          >
            {shortAddress(address)} <span className="muted small" aria-live="polite">{copied ? t.copied : t.copy}</span>
          </button>
          <button id="new-conversation" className="icon" title={s.newChat.shortcut(t.newConversation)} aria-label={t.newConversation} aria-keyshortcuts="Control+N" onClick={() => setPanel("new")}>+</button>
          <button id="open-settings" className="icon" title={t.settings} aria-label={t.settings} onClick={() => setPanel("settings")}>⚙</button>
          <button id="open-shortcuts" className="icon" title={s.newChat.helpShortcut(t.shortcuts)} aria-label={t.shortcuts} aria-keyshortcuts="Control+/" onClick={() => setOverlay("help")}>?</button>
        </header>
        {needsPhrase(status) && (
          <div className="banner" role="status" id="phrase-reminder">
            <span>{status.keychain_volatile ? s.phraseSetup.volatile : s.phraseSetup.notBackedUp} {s.phraseSetup.writeDown}</span>
            <button className="link" onClick={() => setPanel("phrase")}>{s.phraseSetup.show}</button>
          </div>
        )}
        {unreadable > 0 && (
          <div className="banner" role="alert" id="unreadable">
            {s.phraseSetup.unreadable(unreadable)}
          </div>
        )}
        <div className={`connection ${connection}`} id="connection-state">
          {connectionLabel(connection, t)}
          {connection === "disconnected" && <button className="link" onClick={() => setPanel("settings")}>{t.changeNode}</button>}
          {progress && <progress max={progress.total} value={progress.done} aria-label={t.syncProgress} />}
        </div>
        <ConversationList tab={tab} onTab={setTab} conversations={conversations} selected={selected} onSelect={setSelected} />
      </aside>
      <section className="main">
        <ErrorNote error={error} onAction={onErrorAction} />
        {panel === "new" && (
          <Panel onClose={closePanel}>
            <NewConversation
              onClose={closePanel}
              onStarted={(topic) => { setPanel("none"); setTab("messages"); reload(); setSelected(topic); }}
            />
          </Panel>
        )}
        {panel === "settings" && <Panel onClose={closePanel}><Settings status={status} onStatus={onStatus} onClose={closePanel} onShowPhrase={() => setPanel("phrase")} /></Panel>}
        {panel === "phrase" && (
          <Panel onClose={closePanel}>
            <PhraseSetup intro={s.phraseSetup.reminderIntro}
              onStatus={onStatus} onDone={closePanel} />
          </Panel>
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
            focus={found && found.topic === current.topic ? found : null}
            onConsent={(allowed) => { if (tabRef.current === (allowed ? "messages" : "blocked")) reload(); else setTab(allowed ? "messages" : "blocked"); }}
          />
        )}
        {panel === "none" && !current && <div className="empty muted">{t.choose}</div>}
      </section>
      {overlay === "switcher" && <QuickSwitcher conversations={conversations} onPick={(topic, in_) => { if (in_ && in_ !== tab) setTab(in_); open(topic); }} onClose={() => setOverlay("none")} />}
      {overlay === "help" && <ShortcutHelp onClose={() => setOverlay("none")} />}
      {overlay === "search" && (
        <SearchPanel key={searchTopic ?? ""} topic={searchTopic} conversations={conversations} me={address}
          onOpen={openHit} onClose={() => setOverlay("none")} onEverywhere={() => setSearchTopic(null)} />
      )}
      <div className="sr-only" role="status" aria-live="polite" id="announcer">{announcer.text}</div>
    </div>
  );
}

/** An opened panel: focus moves into it, and back to where it came from when it closes (Escape). */
function Panel({ onClose, children }: { onClose: () => void; children: ReactNode }) {
  const root = useRef<HTMLDivElement>(null);
  useFocusReturn(root, onClose);
  return <div ref={root} className="panel-host">{children}</div>;
}

function connectionLabel(c: ConnectionState | "connecting", t: { connected: string; offline: string; connecting: string }): string {
  switch (c) {
    case "connected":
      return t.connected;
    case "disconnected":
      return t.offline;
    case "connecting":
      return t.connecting;
  }
}

/** Remind until the phrase is confirmed — always, where the keychain forgets keys at reboot. */
function needsPhrase(s: AppStatus): boolean {
  return s.recovery !== null && s.recovery.has_phrase && (!s.recovery.phrase_confirmed || s.keychain_volatile);
}
