/**
 * One timer for every level meter on the page, ~15 times a second, idle while the page is hidden.
 * Meters draw themselves from it instead of through React state: a state update per tick
 * re-rendered the whole room view, and on a 2-core machine that rendering competed with the audio
 * threads (measured: frames reached our playout path up to 190 ms late with the meters drawn that
 * way, under 40 ms without).
 */
const TICK_MS = 66;

const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

function tick(): void {
  if (typeof document !== 'undefined' && document.hidden) return;
  for (const listener of listeners) listener();
}

/** Calls `draw` on every tick until the returned function is called. */
export function onMeterTick(draw: () => void): () => void {
  listeners.add(draw);
  timer ??= setInterval(tick, TICK_MS);
  return () => {
    listeners.delete(draw);
    if (listeners.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}
