import type { ReactNode } from "react";
import { strings } from "../lib/strings";

/** How far an own message got: being sent, sent, read by the peer, or not sent. */
export type Delivery = "pending" | "sent" | "read" | "failed";

const PATHS: Record<Delivery, ReactNode> = {
  // A clock.
  pending: <><circle cx="8" cy="8" r="6" fill="none" /><path d="M8 4.5V8l2.5 1.5" fill="none" /></>,
  // A check.
  sent: <path d="M3 8.5l3 3 7-7" fill="none" />,
  // Two checks.
  read: <><path d="M1 8.5l3 3 7-7" fill="none" /><path d="M7.5 11.5l7-7" fill="none" /></>,
  // An exclamation mark in a circle.
  failed: <><circle cx="8" cy="8" r="6.5" fill="none" /><path d="M8 4.5v4.5M8 11v0.5" fill="none" /></>,
};

/** The delivery state as an icon; its name is text for screen readers (and tests), hidden from sight. */
export function DeliveryIcon({ state }: { state: Delivery }) {
  const label = strings.delivery[state];
  return (
    <span className={`state ${state}`} title={label}>
      <svg className="icon-svg" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false"
        stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round">
        {PATHS[state]}
      </svg>
      <span className="sr-only">{label}</span>
    </span>
  );
}
