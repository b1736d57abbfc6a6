/** Which path plays received streams, as the listener asked for it (kept in localStorage). */
export type PlayoutPreference = 'low-latency' | 'browser';
export const PLAYOUT_PREFERENCE_KEY = 'bandmate.playout';

/**
 * Ours where the browser supports it (else the browser's plays, and the page says why): side by
 * side on the 2-core test machine it is ~20 ms lower at the median and the p95, at the price of
 * more concealed dropouts (README, "Measured figures"); the page's switch goes back.
 */
export const DEFAULT_PLAYOUT: PlayoutPreference = 'low-latency';

export function storedPlayoutPreference(): PlayoutPreference {
  try {
    const stored = globalThis.localStorage?.getItem(PLAYOUT_PREFERENCE_KEY);
    return stored === 'browser' || stored === 'low-latency' ? stored : DEFAULT_PLAYOUT;
  } catch {
    return DEFAULT_PLAYOUT;
  }
}
