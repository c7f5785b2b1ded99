// Page zoom: Ctrl+= / Ctrl+- step through the usual browser levels, Ctrl+0 resets, Ctrl+wheel
// steps too. The level is applied and kept per profile by the backend.

export const ZOOM_LEVELS = [0.5, 0.67, 0.75, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 1.75, 2, 2.5, 3];

/** The next level up (`+1`) or down (`-1`) from `current`, which need not be one of the levels. */
export function stepZoom(current: number, direction: 1 | -1): number {
  if (direction > 0) return ZOOM_LEVELS.find((l) => l > current + 1e-6) ?? ZOOM_LEVELS[ZOOM_LEVELS.length - 1];
  return [...ZOOM_LEVELS].reverse().find((l) => l < current - 1e-6) ?? ZOOM_LEVELS[0];
}

/** What a key press asks of the zoom: a direction, a reset, or nothing. */
export function zoomKey(e: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey">): 1 | -1 | 0 | null {
  if (!(e.ctrlKey || e.metaKey) || e.altKey) return null;
  if (e.key === "=" || e.key === "+") return 1;
  if (e.key === "-" || e.key === "_") return -1;
  if (e.key === "0") return 0;
  return null;
}
