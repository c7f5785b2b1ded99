import { blockieUrl } from "../lib/blockies";

/**
 * An address's identicon. Decorative by default (the name next to it says who); give `label`
 * where it stands alone.
 */
export function Avatar({ address, size = 32, label }: { address: string; size?: number; label?: string }) {
  return (
    <img className="avatar" src={blockieUrl(address)} width={size} height={size} alt={label ?? ""}
      aria-hidden={label ? undefined : true} data-address={address} draggable={false} />
  );
}
