/** Which path plays received streams, as the listener asked for it (kept in localStorage). */
export type PlayoutPreference = 'low-latency' | 'browser';
export const PLAYOUT_PREFERENCE_KEY = 'bandmate.playout';

/**
 * The browser's path until ours holds up in the timing tests too: ours is ~20 ms lower at the median
 * and the p95 on the 2-core test machine (README, "Measured figures"), and gives way on a busy one
 * (fallback.ts), but with it as the default a clean-clone CI's recording test saw the musicians'
 * microphone taps (WebAudio, on the pages' audio threads) slip 60–80 ms against the wall clock.
 */
export const DEFAULT_PLAYOUT: PlayoutPreference = 'browser';

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
