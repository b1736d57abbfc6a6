// Cross-site use of a visitor's session: another page (or a `null` origin) sending the session
// cookie to the SFU's HTTP API and signalling, against a real SFU.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { io } from 'socket.io-client';
import { SESSION_COOKIE } from '../src/auth/sessions.ts';
import { loadConfig } from '../src/config.ts';
import { ask, startHarness, type Harness } from './harness.ts';

const WEB = 'http://localhost:3000';
const FOREIGN = ['https://evil.example', 'null', 'http://localhost:3001'];

describe('only the web app may use the visitor’s session', () => {
  let h: Harness;
  let cookie: string;
  let roomId: string;

  const api = async (method: string, path: string, options: { origin?: string; cookie?: boolean; body?: unknown } = {}) => {
    const res = await fetch(`${h.sfu.url}${path}`, {
      method,
      headers: {
        ...(options.origin ? { origin: options.origin } : {}),
        ...(options.cookie === false ? {} : { cookie: `${SESSION_COOKIE}=${cookie}` }),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    return { status: res.status, headers: res.headers, body: (await res.text()) as string };
  };

  before(async () => {
    h = await startHarness();
    const owner = h.browser();
    const up = await owner.signUp({ email: `owner-${process.pid}@example.com`, password: 'a long password', displayName: 'Owner' });
    assert.equal(up.status, 201);
    cookie = owner.cookie!;
    const room = await api('POST', '/api/rooms', { origin: WEB, body: { name: 'Private', visibility: 'private' } });
    assert.equal(room.status, 201, room.body);
    roomId = JSON.parse(room.body).id;
  });
  after(async () => {
    await h.close();
  });

  test('the web app gets CORS with credentials; other origins get 403 and no CORS headers, reads included', async () => {
    const mine = await api('GET', '/api/auth/me', { origin: WEB });
    assert.equal(mine.status, 200);
    assert.equal(mine.headers.get('access-control-allow-origin'), WEB);
    assert.equal(mine.headers.get('access-control-allow-credentials'), 'true');

    for (const origin of FOREIGN) {
      for (const [method, path] of [
        ['GET', '/api/auth/me'],
        ['GET', `/api/rooms/${roomId}/invites`],
        ['GET', `/api/rooms/${roomId}/recordings`],
        ['OPTIONS', `/api/rooms/${roomId}/invites`],
      ] as const) {
        const res = await api(method, path, { origin });
        assert.equal(res.status, 403, `${method} ${path} from ${origin}`);
        assert.equal(res.headers.get('access-control-allow-origin'), null, `${method} ${path} from ${origin}`);
        assert.ok(!res.body.includes('Owner'), 'nothing of the account');
      }
    }
  });

  test('state-changing requests with the cookie need the web app’s Origin; without a cookie they act as nobody', async () => {
    for (const origin of [...FOREIGN, undefined]) {
      const made = await api('POST', `/api/rooms/${roomId}/invites`, { origin, body: { role: 'musician' } });
      assert.equal(made.status, 403, `from ${origin ?? 'no Origin'}`);
      assert.equal(JSON.parse(made.body).error.code, 'forbidden');
    }
    const list = await api('GET', `/api/rooms/${roomId}/invites`, { origin: WEB });
    assert.equal(JSON.parse(list.body).invites.length, 0, 'no invite was made');
    assert.equal((await api('POST', `/api/rooms/${roomId}/invites`, { origin: WEB, body: {} })).status, 201);
    // A script without a browser and without a session (a GET with the cookie, too).
    assert.equal((await api('POST', '/api/rooms', { cookie: false, body: { name: 'Scripted' } })).status, 201);
    assert.equal((await api('GET', '/api/auth/me')).status, 200);
  });

  test('a signalling handshake from another page is refused; the web app’s joins the private room', async () => {
    const handshake = (origin: string) =>
      new Promise<{ connected: boolean; socket: ReturnType<typeof io> }>((resolve) => {
        const socket = io(h.sfu.url, {
          transports: ['websocket'],
          reconnection: false,
          forceNew: true,
          extraHeaders: { origin, cookie: `${SESSION_COOKIE}=${cookie}` },
        });
        socket.once('connect', () => resolve({ connected: true, socket }));
        socket.once('connect_error', () => resolve({ connected: false, socket }));
      });
    for (const origin of FOREIGN) {
      const { connected, socket } = await handshake(origin);
      socket.close();
      assert.equal(connected, false, origin);
    }
    const { connected, socket } = await handshake(WEB);
    assert.equal(connected, true);
    const caps = await ask<{ routerRtpCapabilities: unknown }>(socket, 'getRouterRtpCapabilities', { roomId });
    assert.ok(caps.ok);
    const joined = await ask(socket, 'join', { roomId, displayName: 'Owner', role: 'musician', rtpCapabilities: caps.data.routerRtpCapabilities });
    assert.ok(joined.ok);
    await ask(socket, 'leave', {});
    socket.close();
  });
});

test('SFU_CORS_ORIGINS takes exact origins: no wildcard, no path; the default is the local web app', () => {
  assert.deepEqual(loadConfig({}).corsOrigins, ['http://localhost:3000', 'http://127.0.0.1:3000']);
  assert.deepEqual(loadConfig({ WEB_PORT: '8080' }).corsOrigins, ['http://localhost:8080', 'http://127.0.0.1:8080']);
  assert.deepEqual(loadConfig({ SFU_CORS_ORIGINS: 'https://jam.example.com, https://b.example' }).corsOrigins, [
    'https://jam.example.com',
    'https://b.example',
  ]);
  for (const bad of ['*', 'https://jam.example.com/', 'jam.example.com', 'null']) {
    assert.throws(() => loadConfig({ SFU_CORS_ORIGINS: bad }), /SFU_CORS_ORIGINS/, bad);
  }
});
