/** Which path plays received streams, as the listener asked for it (kept in localStorage). */
export type PlayoutPreference = 'low-latency' | 'browser';
export const PLAYOUT_PREFERENCE_KEY = 'bandmate.playout';

/**
 * The browser's path until ours drops out as rarely: side by side on the 2-core test machine ours is
 * ~20 ms lower at the median and the p95, but under CPU starvation (the soak, with the AI worker
 * and two Chromiums on two cores) its concealment fades to silence where NetEQ stretches, and its
 * listener heard nothing at one sample (README, "Measured figures").
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
