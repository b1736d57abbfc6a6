/** Which path plays received streams, as the listener asked for it (kept in localStorage). */
export type PlayoutPreference = 'low-latency' | 'browser';
export const PLAYOUT_PREFERENCE_KEY = 'bandmate.playout';

/**
 * Ours where supported: it plays a received stream straight from its decoded frames, without the
 * browser's path's playout stages (README, "Measured figures"); where the machine is too busy for
 * its worker, a stream moves to the browser's path on its own (fallback.ts).
 */
export const DEFAULT_PLAYOUT: PlayoutPreference = 'low-latency';

export function storedPlayoutPreference(): PlayoutPreference {
  return storedPlayoutChoice() ?? DEFAULT_PLAYOUT;
}

/** What the listener chose with the page's switch, if they ever did (a choice of ours is kept even on a busy machine). */
export function storedPlayoutChoice(): PlayoutPreference | undefined {
  try {
    const stored = globalThis.localStorage?.getItem(PLAYOUT_PREFERENCE_KEY);
    return stored === 'browser' || stored === 'low-latency' ? stored : undefined;
  } catch {
    return undefined;
  }
}
