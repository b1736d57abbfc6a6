/** Which path plays received streams, as the listener asked for it (kept in localStorage). */
export type PlayoutPreference = 'low-latency' | 'browser';
export const PLAYOUT_PREFERENCE_KEY = 'bandmate.playout';

/**
 * The browser's path until ours measures better: side by side on the 2-core test machine our path
 * had fewer dropouts and the same p95 but an 18 ms higher median (README, "Measured figures").
 */
export const DEFAULT_PLAYOUT: PlayoutPreference = 'browser';

export function storedPlayoutPreference(): PlayoutPreference {
  try {
    const stored = globalThis.localStorage?.getItem(PLAYOUT_PREFERENCE_KEY);
    return stored === 'browser' || stored === 'low-latency' ? stored : DEFAULT_PLAYOUT;
  } catch {
    return DEFAULT_PLAYOUT;
  }
}
