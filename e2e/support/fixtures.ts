import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base } from '@playwright/test';
import { createRoomViaApi, joinRoom } from './room.ts';
import { launchParticipant, type MicrophoneSetup, type Participant } from './browsers.ts';
import { writeToneWav } from './wav.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = path.resolve(here, '..', '.artifacts');

/** Two musicians with distinct stereo tones: every channel of the room is identifiable by frequency. */
export const TONES = {
  ana: { left: 440, right: 660 },
  ben: { left: 550, right: 770 },
} as const;
export const TONE_AMPLITUDE = 0.5;

export function toneWav(name: keyof typeof TONES): string {
  return writeToneWav(path.join(ARTIFACTS, `${name}.wav`), { ...TONES[name], amplitude: TONE_AMPLITUDE });
}

/** `launch` starts a separate browser per participant and closes them all after the test. */
export const test = base.extend<{ launch: (options?: { wav?: string; microphone?: MicrophoneSetup }) => Promise<Participant> }>({
  launch: async ({ baseURL }, use) => {
    const launched: Participant[] = [];
    await use(async (options = {}) => {
      const p = await launchParticipant({ ...options, baseURL: baseURL! });
      launched.push(p);
      return p;
    });
    await Promise.all(launched.map((p) => p.browser.close()));
  },
});
export { expect } from '@playwright/test';

/** Ana and Ben play their tones, Cat listens: the room most tests need. */
export async function startBand(launch: (options?: { wav?: string }) => Promise<Participant>, roomName: string) {
  const roomId = await createRoomViaApi(roomName);
  const ana = await launch({ wav: toneWav('ana') });
  const ben = await launch({ wav: toneWav('ben') });
  const cat = await launch();
  await joinRoom(ana.page, roomId, 'Ana');
  await joinRoom(ben.page, roomId, 'Ben');
  await joinRoom(cat.page, roomId, 'Cat', 'listener');
  return { roomId, ana, ben, cat };
}
