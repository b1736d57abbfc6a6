/**
 * The SFU's clock for metronome grids and clock sync: monotonic and high-resolution
 * (performance.now()), offset to the Unix epoch at process start so that it reads like
 * wall-clock ms and a browser's offset to it is small and meaningful. Never steps when the
 * system clock is adjusted.
 */
export function serverNow(): number {
  return performance.timeOrigin + performance.now();
}
