import { expect, type Page } from '@playwright/test';

export const SFU_URL = process.env.E2E_SFU_URL ?? 'http://127.0.0.1:4000';
/** The web app's origin: what a browser's requests from its pages name as Origin (the SFU checks it). */
export const WEB_ORIGIN = new URL(process.env.E2E_BASE_URL ?? 'http://127.0.0.1:3000').origin;

export interface ChannelAnalysis {
  rmsDb: number;
  peakHz: number;
}
export interface StereoAnalysis {
  left: ChannelAnalysis;
  right: ChannelAnalysis;
}

export async function createRoomViaApi(name: string): Promise<string> {
  const res = await fetch(`${SFU_URL}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

export async function joinRoom(page: Page, roomId: string, displayName: string, role: 'musician' | 'listener' = 'musician') {
  await page.goto(`/room/${roomId}`);
  await page.getByLabel('Display name').fill(displayName);
  await page.getByLabel(role === 'musician' ? 'Play (send my instrument)' : 'Listen only').check();
  await page.getByRole('button', { name: 'Join' }).click();
  await expect(page.getByTestId('room')).toHaveAttribute('data-phase', 'joined');
}

export async function peerId(page: Page, displayName: string): Promise<string> {
  const id = await expect
    .poll(() =>
      page.evaluate((name) => window.__bandmate?.state.peers.find((p) => p.displayName === name && p.producerId)?.id ?? null, displayName),
    )
    .not.toBeNull()
    .then(() =>
      page.evaluate((name) => window.__bandmate!.state.peers.find((p) => p.displayName === name)!.id, displayName),
    );
  return id;
}

export function analyse(page: Page, sourceId: string): Promise<StereoAnalysis | null> {
  return page.evaluate((id) => window.__bandmate?.graph?.analyse(id) ?? null, sourceId);
}

const near = (hz: number, target: number, tolerance: number) => Math.abs(hz - target) <= tolerance;

/**
 * Polls a source's analysers until each channel's dominant frequency matches.
 * Returns the analysis so callers can check levels too.
 */
export async function expectTones(
  page: Page,
  sourceId: string,
  tones: { left: number; right: number },
  options: { toleranceHz?: number; timeoutMs?: number } = {},
): Promise<StereoAnalysis> {
  const tolerance = options.toleranceHz ?? 8;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last: StereoAnalysis | null = null;
  while (Date.now() < deadline) {
    last = await analyse(page, sourceId);
    if (last && near(last.left.peakHz, tones.left, tolerance) && near(last.right.peakHz, tones.right, tolerance)) return last;
    await page.waitForTimeout(200);
  }
  throw new Error(`expected tones L ${tones.left} Hz / R ${tones.right} Hz at ${sourceId}; last heard ${JSON.stringify(last)}`);
}

/** Median RMS level over a few reads, to ride over packet-level fluctuation. */
export async function steadyLevel(page: Page, sourceId: string, channel: 'left' | 'right' = 'left', reads = 5): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < reads; i++) {
    const a = await analyse(page, sourceId);
    values.push(a ? a[channel].rmsDb : Number.NEGATIVE_INFINITY);
    await page.waitForTimeout(150);
  }
  values.sort((x, y) => x - y);
  return values[Math.floor(values.length / 2)]!;
}
