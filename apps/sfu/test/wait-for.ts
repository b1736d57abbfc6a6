/**
 * Polls `check` until it holds; throws after `timeoutMs`, saying `what` did not happen. Its own
 * module so that a test of one piece in isolation can poll without loading the whole SFU (harness.ts).
 */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what}: not met in ${timeoutMs} ms`);
}
