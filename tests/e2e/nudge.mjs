// WebKitWebDriver answers a screenshot only after the page's next frame, and a still page (the
// onboarding, which fits the window) draws none: the request then never returns. Both e2e
// tests run NUDGE before a screenshot and UNNUDGE after it.

/** Starts a 1 px dot in the page's corner that changes every frame; window.__e2eNudge() removes it. */
export const NUDGE = `if (window.__e2eNudge) return 1;
  const dot = document.createElement('div');
  dot.setAttribute('aria-hidden', 'true');
  dot.style.cssText = 'position:fixed;inset-block-start:0;inset-inline-start:0;inline-size:1px;block-size:1px;pointer-events:none;z-index:2147483647';
  document.body.append(dot);
  let on = true, frame = 0;
  const tick = () => { frame = requestAnimationFrame(tick); dot.style.background = (on = !on) ? 'rgba(0,0,0,0.02)' : 'rgba(0,0,0,0.03)'; };
  tick();
  window.__e2eNudge = () => { cancelAnimationFrame(frame); dot.remove(); delete window.__e2eNudge; };
  return 1;`;

/** Removes the dot NUDGE started. */
export const UNNUDGE = "window.__e2eNudge?.(); return 1;";
