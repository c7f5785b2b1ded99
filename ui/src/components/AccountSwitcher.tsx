import { useCallback, useEffect, useRef, useState } from "react";
import { backend, type AccountView, type AppStatus } from "../lib/backend";
import { shortAddress } from "../lib/format";
import { sameAddress } from "../lib/people";
import { strings } from "../lib/strings";
import { Avatar } from "./Avatar";
import { EditName } from "./EditName";
import { ContextMenu, type MenuItem } from "./ContextMenu";
import { Popover, anchorOf, type Anchor } from "./Popover";

const S = strings.accounts;

/**
 * The open account's identicon; it opens the accounts on this computer (each with its unread
 * count) to switch to, and "Add account" (create or import; the open one stays on this computer).
 */
export function AccountSwitcher({ address, onStatus, onAdd, onError }: {
  address: string;
  onStatus: (s: AppStatus) => void;
  onAdd: () => void;
  onError: (e: unknown) => void;
}) {
  const [accounts, setAccounts] = useState<AccountView[]>([]);
  const [menu, setMenu] = useState<Anchor | null>(null);
  const [naming, setNaming] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  const errors = useRef(onError);
  errors.current = onError;
  const load = useCallback(() => backend.listAccounts().then(setAccounts, (e) => errors.current(e)), []);
  // The other accounts' counts are read from their stores, which change only while they are
  // open: read when this account opens and when the menu opens, not on every burst here.
  useEffect(() => { load(); }, [load, address]);
  const close = useCallback(() => {
    setMenu(null);
    opener.current?.focus();
  }, []);

  const label = (a: AccountView) => a.name?.trim() || shortAddress(a.address);
  const others = accounts.filter((a) => !sameAddress(a.address, address)).reduce((n, a) => n + a.unread, 0);
  const items: MenuItem[] = accounts.map((a) => {
    const current = sameAddress(a.address, address);
    // Its name, as the item reads: the visible text (name, "(open)", the count) is in it in order (axe label-content-name-mismatch).
    const text = `${label(a)}${current ? ` (${S.current})` : ""}${a.unread > 0 ? `, ${S.unread(a.unread)}` : ""}`;
    return {
      id: `account-${a.address}`,
      label: text,
      onSelect: () => { if (!current) backend.switchAccount(a.address).then(onStatus, onError); },
      content: (
        <span className="account-item" title={a.address}>
          <Avatar address={a.address} size={24} />
          <span className="account-name">{label(a)}{current && <span className="muted small"> ({S.current})</span>}</span>
          {a.unread > 0 && <span className="badge">{a.unread}</span>}
        </span>
      ),
    };
  });
  items.push({ id: "name-account", label: strings.accountName.action, onSelect: () => setNaming(true) });
  items.push({ id: "add-account", label: S.add, onSelect: onAdd });
  const own = accounts.find((a) => sameAddress(a.address, address));

  return (
    <>
      <button ref={opener} id="account-switcher" className="switcher-button" aria-haspopup="menu" aria-expanded={menu !== null}
        aria-label={S.switcherLabel(shortAddress(address), others)} title={S.switcher}
        onClick={(e) => { load(); setMenu(anchorOf(e.currentTarget)); }}>
        <Avatar address={address} size={24} />
        <span aria-hidden="true">▾</span>
        {others > 0 && <span className="badge" aria-hidden="true">{others}</span>}
      </button>
      {menu && (
        <Popover anchor={menu} onClose={close}>
          <div className="accounts-menu">
            <ContextMenu label={S.switcher} items={items} onClose={close} />
          </div>
        </Popover>
      )}
      {naming && (
        <EditName address={address} name={own?.name ?? null} onDone={load}
          onClose={() => { setNaming(false); opener.current?.focus(); }} />
      )}
    </>
  );
}
