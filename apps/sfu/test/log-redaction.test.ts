// Request URLs can carry credentials (?access= recordings passes, ?invite= tokens); the logs
// must not keep them. A failing request is logged with its URL, so make requests fail.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { createHttpApi } from '../src/http/http-api.ts';
import { OriginPolicy } from '../src/http/origin-policy.ts';
import { recordingsRoutes } from '../src/http/recordings-api.ts';
import { loggableUrl } from '../src/logger.ts';

const PASS = '1900000000.QmFuZG1hdGVSZWNvcmRpbmdzUGFzc1NlY3JldFZhbHVlMDE';
const INVITE = 'aW52aXRlLXRva2VuLXRoYXQtbXVzdC1ub3QtbGVhaw.c2lnbmF0dXJl';

test('a failing request is logged without the pass or invite token in its URL', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
  const broken = async () => {
    throw new Error('the database is down');
  };
  const handle = createHttpApi({
    rooms: { createRoom: broken, getRoom: broken, listOpenRooms: broken },
    liveParticipants: () => 0,
    defaultMaxParticipants: 12,
    origins: new OriginPolicy(['http://localhost:3000']),
    health: () => ({}),
    logger,
    rawRoutes: [
      recordingsRoutes({
        store: { listRecordings: broken, getRecordingTrack: broken, getRecording: broken },
        dir: '/nonexistent',
        access: { canAccessRoomFiles: async () => true },
        removal: { remove: broken },
        logger,
      }),
    ],
  });
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    assert.equal((await fetch(`${base}/api/rooms/room1234?invite=${INVITE}`)).status, 500);
    assert.equal((await fetch(`${base}/api/rooms/room1234/recordings?access=${PASS}&x=1`)).status, 500);
  } finally {
    server.close();
  }
  const logged = lines.join('');
  assert.equal(lines.length, 2, logged);
  assert.ok(!logged.includes(INVITE) && !logged.includes(PASS), logged);
  assert.match(logged, /invite=\[redacted\]/);
  assert.match(logged, /access=\[redacted\]&x=1/);
});

test('only credential parameters are redacted, wherever they stand', () => {
  assert.equal(loggableUrl('/room/x?invite=abc#top'), '/room/x?invite=[redacted]#top');
  assert.equal(loggableUrl('/a?b=1&ACCESS=abc&c=2'), '/a?b=1&ACCESS=[redacted]&c=2');
  assert.equal(loggableUrl('/a?invited=1'), '/a?invited=1');
  assert.equal(loggableUrl(undefined), undefined);
});
