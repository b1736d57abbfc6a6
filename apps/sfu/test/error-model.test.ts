// One error model for signalling (issue 12): a refusal the server meant goes out with its code; a
// bug of ours (an unexpected exception, a TypeError included) is a logged `internal`, never a
// client's `bad_request` carrying the raw message; what mediasoup refuses of a client's input is
// a `bad_request` only where that input is handed to it; a database that cannot be reached is
// `unavailable`, whichever driver said so.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errors as mediasoupErrors } from 'mediasoup';
import { SignalRequestError, type Ack } from '@bandmate/shared';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../src/db/unavailable.ts';
import { unexpectedFailure } from '../src/http/http-api.ts';
import { withClientInput } from '../src/signalling/client-input.ts';
import { dispatchRequests, type RequestHandlers } from '../src/signalling/request-dispatch.ts';
import { RateLimiter } from '../src/signalling/rate-limiter.ts';

function fakeSocket() {
  const handlers = new Map<string, (...args: unknown[]) => void>();
  return {
    on: (event: string, listener: (...args: unknown[]) => void) => handlers.set(event, listener),
    onAny: () => undefined,
    ask: (event: string, payload: unknown) =>
      new Promise<Ack<unknown>>((resolve) => handlers.get(event)!(payload, (reply: Ack<unknown>) => resolve(reply))),
  };
}

function logger() {
  const lines: Array<{ level: string; msg: string; err?: unknown }> = [];
  const log = (level: string) => (obj: { err?: unknown }, msg: string) => lines.push({ level, msg, err: obj.err });
  return { lines, logger: { error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug') } as never };
}

test('a TypeError in a handler (a server bug) is a logged internal error, not the client’s bad_request', async () => {
  const socket = fakeSocket();
  const { lines, logger: log } = logger();
  const handlers = {
    closeProducer: async () => {
      const missing = undefined as unknown as { close(): void };
      missing.close();
      return {};
    },
  } as unknown as RequestHandlers;
  dispatchRequests(socket, handlers, new RateLimiter(100, 100), log);
  const reply = await socket.ask('closeProducer', { producerId: 'p1' });
  assert.deepEqual(reply, { ok: false, error: { code: 'internal', message: 'closeProducer failed on the server' } });
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.level, 'error');
  assert.ok(lines[0]!.err instanceof TypeError);
});

test('a refusal the handler meant keeps its code and message', async () => {
  const socket = fakeSocket();
  const { lines, logger: log } = logger();
  const handlers = {
    closeProducer: async () => {
      throw new SignalRequestError('not_host', 'only the host can do that');
    },
  } as unknown as RequestHandlers;
  dispatchRequests(socket, handlers, new RateLimiter(100, 100), log);
  assert.deepEqual(await socket.ask('closeProducer', { producerId: 'p1' }), { ok: false, error: { code: 'not_host', message: 'only the host can do that' } });
  assert.equal(lines.length, 0);
});

test('what mediasoup refuses of a client’s input is a bad_request naming that input; other errors pass through', async () => {
  await assert.rejects(
    withClientInput('DTLS parameters', async () => {
      throw new TypeError('invalid dtlsParameters.fingerprints');
    }),
    (err: unknown) => err instanceof SignalRequestError && err.code === 'bad_request' && err.message === 'DTLS parameters: invalid dtlsParameters.fingerprints',
  );
  await assert.rejects(
    withClientInput('RTP parameters', async () => {
      throw new mediasoupErrors.UnsupportedError('no matching codec');
    }),
    (err: unknown) => err instanceof SignalRequestError && err.code === 'bad_request',
  );
  const crash = new Error('worker died');
  await assert.rejects(
    withClientInput('RTP parameters', async () => {
      throw crash;
    }),
    (err: unknown) => err === crash,
  );
  assert.equal(await withClientInput('x', async () => 7), 7);
});

/** What an outage looks like as it reaches a handler, from each driver and layer (seen in database-outage.test.ts). */
const OUTAGES: Array<[string, unknown]> = [
  ['Prisma: cannot reach the server', Object.assign(new Error("Can't reach database server at 127.0.0.1:5432"), { code: 'P1001' })],
  ['Prisma: SQLITE_BUSY as a timed-out operation', Object.assign(new Error('Operation has timed out'), { code: 'P1008' })],
  ['Prisma raw query: the adapter error in meta', { code: 'P2010', meta: { driverAdapterError: { name: 'DriverAdapterError', cause: { kind: 'SocketTimeout' } } } }],
  ['adapter-pg, bare: the server shutting down', Object.assign(new Error('terminating connection due to administrator command'), { name: 'DriverAdapterError', cause: { kind: 'postgres', code: '57P01' } })],
  ['pg: the connection died', new Error('Connection terminated unexpectedly')],
  ['pg: refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect', errno: -111 })],
  ['better-sqlite3: locked', Object.assign(new Error('database is locked'), { name: 'SqliteError', code: 'SQLITE_BUSY_SNAPSHOT' })],
];
/** Failures that are not an outage: still `internal`. */
const NOT_OUTAGES: Array<[string, unknown]> = [
  ['Prisma: unique constraint', Object.assign(new Error('Unique constraint failed'), { code: 'P2002' })],
  ['adapter-pg: a query error', Object.assign(new Error('syntax error'), { name: 'DriverAdapterError', cause: { kind: 'postgres', code: '42601' } })],
  ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
];

test('a database that cannot be reached is `unavailable` (503), logged as a warning; other failures stay `internal`', async () => {
  for (const [what, thrown] of [...OUTAGES, ...NOT_OUTAGES]) {
    const outage = OUTAGES.some(([, e]) => e === thrown);
    assert.equal(isDatabaseUnavailable(thrown), outage, what);
    const socket = fakeSocket();
    const { lines, logger: log } = logger();
    dispatchRequests(socket, { leave: async () => Promise.reject(thrown) } as unknown as RequestHandlers, new RateLimiter(100, 100), log);
    const reply = await socket.ask('leave', {});
    assert.deepEqual(reply, { ok: false, error: outage ? { code: 'unavailable', message: DATABASE_UNAVAILABLE_MESSAGE } : { code: 'internal', message: 'leave failed on the server' } }, what);
    assert.deepEqual(lines.map((l) => [l.level, l.err]), [[outage ? 'warn' : 'error', thrown]], what);
    const http = unexpectedFailure(thrown, log, {});
    assert.deepEqual([http.code, http.status, http.headers], outage ? ['unavailable', 503, { 'retry-after': '5' }] : ['internal', 500, {}], what);
  }
});
