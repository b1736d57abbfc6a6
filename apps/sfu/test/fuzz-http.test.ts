// Property-based fuzzing of the SFU's HTTP API (FUZZ_RUNS cases, 10,000 by default): every route
// and some that do not exist, any method, broken and valid bodies, odd content types, origins,
// cookies, forwarded addresses and ranges, as anonymous callers and as a room's owner. Every answer
// must be the shared error model (`{ error: { code, message } }` with the code's own status) or a
// success, never a server failure, and the SFU must still serve afterwards.
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { ERRORS, type ErrorCode } from '@bandmate/shared';
import { SESSION_COOKIE } from '../src/auth/sessions.ts';
import { BrowserClient, HARNESS_DATABASES, startHarness, type Harness } from './harness.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const WEB_ORIGIN = 'http://localhost:3000';
// Its own account per run: the PostgreSQL database outlives one run.
const OWNER_EMAIL = `fuzz-owner-${randomUUID().slice(0, 8)}@example.com`;

let h: Harness;
let owner: BrowserClient;
let roomId: string;
// A connection per request: one the server answered early (413) and closed must not carry the next case.
const agent = new Agent({ keepAlive: false });

async function start(env: Record<string, string>): Promise<void> {
  h = await startHarness({ SFU_TRUST_PROXY: '1', ...env });
  owner = new BrowserClient(h.sfu, '192.0.2.200');
  const signed = await owner.signUp({ email: OWNER_EMAIL, password: 'a long fuzz password', displayName: 'Owner' });
  assert.equal(signed.status, 201);
  roomId = (await owner.api<{ id: string }>('POST', '/api/rooms', { name: 'Owned', visibility: 'private' })).body.id;
}
async function stop(): Promise<void> {
  owner.close();
  await h.close();
}
after(() => agent.destroy());

const segment = fc.oneof(
  fc.constant('ROOM'),
  fc.constant('UUID'),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
  fc.constantFrom('..', '%2e%2e', '%00', '%ZZ', '', ' ', '\u202e', 'a'.repeat(300)),
  fc.uuid(),
);
const ROUTES = [
  '/health', '/api/rooms', '/api/rooms/ROOM', '/api/demo', '/api/auth/me', '/api/auth/signup', '/api/auth/signup/finish',
  '/api/auth/signin', '/api/auth/signout', '/api/auth/guest', '/api/rooms/ROOM/invites', '/api/rooms/ROOM/invites/UUID/revoke',
  '/api/rooms/ROOM/members', '/api/rooms/ROOM/members/UUID/remove', '/api/rooms/ROOM/recordings',
  '/api/rooms/ROOM/recordings/UUID', '/api/rooms/ROOM/recordings/UUID/tracks/UUID/file',
];
const pathArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...ROUTES) },
  { weight: 2, arbitrary: fc.array(segment, { minLength: 1, maxLength: 6 }).map((s) => `/api/${s.map((x) => (x.startsWith('%') ? x : encodeURIComponent(x))).join('/')}`) },
  { weight: 1, arbitrary: fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)) },
);

function bodyTemplate(path: string): Record<string, unknown> {
  if (path.endsWith('/signup')) return { email: 'someone@example.com', password: 'another long password', displayName: 'Someone' };
  if (path.endsWith('/signup/finish')) return { token: 'x'.repeat(60), password: 'another long password' };
  if (path.endsWith('/signin')) return { email: OWNER_EMAIL, password: 'a wrong password!!' };
  if (path.endsWith('/guest')) return { roomId, invite: `abcd.${'A'.repeat(43)}`, displayName: 'Guest' };
  if (path.endsWith('/invites')) return { role: 'musician', expiresInSeconds: 3600 };
  if (path === '/api/rooms') return { name: 'Fuzz room', visibility: 'public' };
  return {};
}

const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(null, 0, '', [], {}, '__proto__'));
const bodyArb = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('template' as const) }),
  fc.record({ kind: fc.constant('mutated' as const), field: fc.nat(5), value: anyJson, drop: fc.boolean() }),
  fc.record({ kind: fc.constant('json' as const), value: anyJson }),
  fc.record({ kind: fc.constant('bytes' as const), value: fc.uint8Array({ maxLength: 300 }) }),
  fc.record({ kind: fc.constant('huge' as const), size: fc.integer({ min: 17_000, max: 300_000 }) }),
  fc.record({ kind: fc.constant('truncated' as const), cut: fc.nat(60) }),
);

const caseArb = fc.record({
  method: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('GET', 'POST') }, { weight: 2, arbitrary: fc.constantFrom('DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS') }),
  path: pathArb,
  query: fc.option(fc.string({ maxLength: 30 }).map(encodeURIComponent), { nil: undefined }),
  body: bodyArb,
  contentType: fc.constantFrom('application/json', 'application/json', undefined, 'application/json', 'application/json; charset=utf-8', 'text/plain', 'multipart/form-data; boundary=x', 'application/jsonx', ''),
  // Mostly the web app's own origin, so most cases get past the origin policy to the routes.
  origin: fc.oneof(
    { weight: 6, arbitrary: fc.constant(WEB_ORIGIN) },
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom('https://evil.example', 'null', 'http://localhost:3000.evil.example') },
  ),
  cookie: fc.constantFrom('none', 'owner', 'garbage', 'forged'),
  forwardedFor: fc.constantFrom(undefined, '198.51.100.1', '198.51.100.2', '2001:db8::1', 'not an address', '1.2.3.4, 5.6.7.8', ''),
  range: fc.option(fc.constantFrom('bytes=0-10', 'bytes=-5', 'bytes=99999999999999999-', 'bytes=a-b', 'items=0-1'), { nil: undefined }),
});
type Case = typeof caseArb extends fc.Arbitrary<infer C> ? C : never;

function bodyOf(c: Case): Buffer | undefined {
  const b = c.body;
  if (b.kind === 'none') return undefined;
  if (b.kind === 'bytes') return Buffer.from(b.value);
  if (b.kind === 'huge') return Buffer.alloc(b.size, 0x61);
  if (b.kind === 'json') return Buffer.from(JSON.stringify(b.value) ?? 'null');
  const template = bodyTemplate(c.path);
  if (b.kind === 'mutated') {
    const keys = Object.keys(template);
    const key = keys.length ? keys[b.field % keys.length]! : 'extra';
    if (b.drop) delete template[key];
    else template[key] = b.value;
  }
  const text = JSON.stringify(template);
  return Buffer.from(b.kind === 'truncated' ? text.slice(0, b.cut % (text.length + 1)) : text);
}

function send(c: Case): Promise<{ status: number; type: string; text: string }> {
  const path = c.path.replaceAll('ROOM', roomId).replaceAll('UUID', randomUUID()) + (c.query ? `?${c.query}` : '');
  const body = bodyOf(c);
  const headers: Record<string, string> = {};
  // Node's client frames GET/DELETE/OPTIONS bodies only with an explicit length.
  if (body) headers['content-length'] = String(body.length);
  if (c.contentType !== undefined) headers['content-type'] = c.contentType;
  if (c.origin) headers.origin = c.origin;
  if (c.forwardedFor !== undefined) headers['x-forwarded-for'] = c.forwardedFor;
  if (c.range) headers.range = c.range;
  if (c.cookie === 'owner' && owner.cookie) headers.cookie = `${SESSION_COOKIE}=${owner.cookie}`;
  if (c.cookie === 'garbage') headers.cookie = `${SESSION_COOKIE}=%%%; other=1`;
  if (c.cookie === 'forged') headers.cookie = `${SESSION_COOKIE}=${'A'.repeat(43)}`;
  const url = new URL(h.sfu.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: c.method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // The server may answer (413) and close before a huge body is all sent.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? resolve({ status: -1, type: '', text: '' }) : reject(err)));
    req.end(body);
  });
}

for (const db of HARNESS_DATABASES) {
  describe(`the HTTP API on ${db.name}`, { skip: db.skip }, () => {
    before(() => start(db.env));
    after(stop);
    test(`${RUNS} fuzzed HTTP requests: each a success or an error in the model with its own status, none a server failure`, { timeout: 900_000 }, fuzz);
  });
}

async function fuzz(): Promise<void> {
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(caseArb, async (c) => {
      // Signing the owner out would turn the rest of the owner's cases anonymous.
      if (c.cookie === 'owner' && c.path === '/api/auth/signout') return;
      const res = await send(c);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === -1) return;
      assert.ok(res.status < 500 || res.status === 503, `${c.method} ${c.path}: ${res.status} ${res.text.slice(0, 200)}`);
      if (res.status >= 400 && c.method !== 'HEAD') {
        assert.match(res.type, /^application\/json/, `${c.method} ${c.path}: an error is JSON (${res.status} ${res.type} ${res.text.slice(0, 100)})`);
        const { error } = JSON.parse(res.text) as { error: { code: ErrorCode; message: string } };
        assert.ok(error.code in ERRORS, `${c.method} ${c.path}: unknown code ${error.code}`);
        assert.equal(ERRORS[error.code], res.status, `${c.method} ${c.path}: ${error.code} answers ${res.status}`);
        assert.ok(typeof error.message === 'string' && error.message.length > 0);
      }
    }),
    { numRuns: RUNS, endOnFailure: true, includeErrorInReport: true },
  );
  console.log(`# HTTP statuses: ${[...statuses].sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s} ${n}`).join(', ')}`);
  assert.ok((statuses.get(200) ?? 0) + (statuses.get(201) ?? 0) > 0, 'some requests succeeded');

  // Still serving: health, a new room, the owner still signed in.
  assert.equal((await fetch(`${h.sfu.url}/health`)).status, 200);
  const fresh = new BrowserClient(h.sfu, '203.0.113.77');
  assert.equal((await fresh.api('POST', '/api/rooms', { name: 'After the fuzz' })).status, 201);
  assert.equal((await owner.api<{ user: { email: string } | null }>('GET', '/api/auth/me')).body.user?.email, OWNER_EMAIL);
}
