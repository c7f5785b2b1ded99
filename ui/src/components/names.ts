import { createContext, useContext } from "react";
import { shortAddress } from "../lib/format";

/**
 * How a component deep in the thread (a quote, a reaction's "who") names an address: the thread
 * provides the user's local names; without a provider, the short address.
 */
export const NameOf = createContext<(address: string) => string>(shortAddress);

export function useNameOf(): (address: string) => string {
  return useContext(NameOf);
}
