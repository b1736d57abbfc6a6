/**
 * Ask the browser's jitter buffer for as little delay as it can hold stably.
 * `jitterBufferTarget` (ms) is the standard name; older Chrome exposes it as
 * `playoutDelayHint` (s). 0 lets NetEQ settle on its own adaptive floor.
 */
export function setLowestJitterTarget(receiver: RTCRtpReceiver | undefined, targetMs = 0): void {
  if (!receiver) return;
  const r = receiver as unknown as { jitterBufferTarget?: number | null; playoutDelayHint?: number | null };
  try {
    if ('jitterBufferTarget' in receiver) r.jitterBufferTarget = targetMs;
    else if ('playoutDelayHint' in receiver) r.playoutDelayHint = targetMs / 1000;
  } catch {
    // Not fatal: the default adaptive buffer still plays.
  }
}
