// The page's side of deleting a recording: the owner's DELETE goes to the SFU with the session
// cookie and the recording leaves the list; a refusal is shown and changes nothing; when another
// page (or the retention sweep) deletes one, the room's notification takes it off the list.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type { RecordingSummary } from '@bandmate/shared';
import { RecordingSession } from '../apps/web/media/recording-session.ts';
import type { SignalClient } from '../apps/web/media/signal-client.ts';

const SFU = 'http://127.0.0.1:4000';
const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

const summary = (id: string): RecordingSummary => ({
  id,
  roomId: 'room1',
  status: 'ready',
  startedAt: new Date().toISOString(),
  endedAt: new Date().toISOString(),
  durationMs: 1000,
  startedBy: 'Ana',
  tracks: [],
});

/** A signalling client that hands out a pass and lets the test send notifications. */
function fakeSignal() {
  const handlers = new Map<string, (payload: unknown) => void>();
  const signal = {
    on: (name: string, handler: (payload: unknown) => void) => {
      handlers.set(name, handler);
      return () => handlers.delete(name);
    },
    request: async () => ({ token: 'pass', expiresAt: new Date(Date.now() + 3_600_000).toISOString() }),
  } as unknown as SignalClient;
  return { signal, notify: (name: string, payload: unknown) => handlers.get(name)?.(payload) };
}

/** The SFU's answers: the list, and `onDelete` for a DELETE. */
function fakeSfu(onDelete: (url: string) => Response) {
  const calls: Array<{ url: string; method: string; credentials?: RequestCredentials }> = [];
  globalThis.fetch = (async (input: string | URL, init: RequestInit = {}) => {
    const url = String(input);
    calls.push({ url, method: init.method ?? 'GET', credentials: init.credentials });
    if (init.method === 'DELETE') return onDelete(url);
    return Response.json({ recordings: [summary('r1'), summary('r2')] });
  }) as typeof fetch;
  return calls;
}

async function loaded(session: RecordingSession) {
  await session.refresh();
  assert.deepEqual(session.state.recordings.map((r) => r.id), ['r1', 'r2']);
}

test('the owner deletes a recording: DELETE with the session cookie, and it leaves the list', async () => {
  const calls = fakeSfu((url) => Response.json({ recordingId: url.split('/').at(-1) }));
  const { signal, notify } = fakeSignal();
  const session = new RecordingSession(signal, SFU, 'room1', undefined);
  await loaded(session);

  await session.remove('r1');
  const del = calls.find((c) => c.method === 'DELETE');
  assert.deepEqual(del, { url: `${SFU}/api/rooms/room1/recordings/r1`, method: 'DELETE', credentials: 'include' });
  assert.deepEqual(session.state.recordings.map((r) => r.id), ['r2']);
  assert.equal(session.state.error, undefined);
  assert.equal(session.state.deleting, undefined);

  notify('recordingDeleted', { recordingId: 'r2' });
  assert.deepEqual(session.state.recordings, [], 'deleted elsewhere: off the list too');
  session.close();
});

test('a refused delete is shown as the server worded it and keeps the recording listed', async () => {
  fakeSfu(() => Response.json({ error: { code: 'forbidden', message: "only the room's owner can delete its recordings" } }, { status: 403 }));
  const { signal } = fakeSignal();
  const session = new RecordingSession(signal, SFU, 'room1', undefined);
  await loaded(session);
  await session.remove('r1');
  assert.match(session.state.error ?? '', /only the room's owner can delete/);
  assert.deepEqual(session.state.recordings.map((r) => r.id), ['r1', 'r2']);
  session.close();
});
