// Recordings hold one of RECORDINGS_MAX_ACTIVE slots for up to hours. Anonymous hosts of public
// rooms on one address must not hold them all.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import { ask, createRoom, joinRoom, startHarness, type Harness } from './harness.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-rec-quota-'));
let h: Harness;
const sockets: Socket[] = [];
before(async () => {
  h = await startHarness({ RECORDINGS_DIR: dir, RECORDINGS_MIN_FREE_MB: '0', RECORDINGS_MAX_ACTIVE: '4', SFU_TRUST_PROXY: '1' });
});
after(async () => {
  for (const s of sockets) s.close();
  await new Promise((r) => setTimeout(r, 500));
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

/** An anonymous host of a fresh public room, connected from `address` (behind our proxy). */
async function hostFrom(address: string): Promise<Socket> {
  const socket = io(h.sfu.url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { 'x-forwarded-for': address } });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  await joinRoom(socket, (await createRoom(h.sfu, `Room of ${address}`)).id, 'Host');
  return socket;
}

test('one address records one room at a time; the other slots stay for other addresses', async () => {
  const attacker = [];
  for (let i = 0; i < 4; i++) attacker.push(await hostFrom('203.0.113.66'));
  const replies = [];
  for (const s of attacker) replies.push(await ask(s, 'startRecording', {}));
  assert.deepEqual(replies.map((r) => (r.ok ? 'ok' : r.error.code)), ['ok', 'recording_unavailable', 'recording_unavailable', 'recording_unavailable']);
  assert.match(!replies[1]!.ok ? replies[1]!.error.message : '', /stop one first/);

  const someoneElse = await hostFrom('198.51.100.2');
  assert.ok((await ask(someoneElse, 'startRecording', {})).ok, 'another address still records');

  // Stopping frees the address's place.
  assert.ok((await ask(attacker[0]!, 'stopRecording', {})).ok);
  assert.ok((await ask(attacker[1]!, 'startRecording', {})).ok);
  for (const s of [attacker[1]!, someoneElse]) assert.ok((await ask(s, 'stopRecording', {})).ok);
});
