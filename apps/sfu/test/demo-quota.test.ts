// Demo rooms are few (each runs a virtual band and an AI stream): one address must not take them
// all, other pages must not make them for a visitor, and only POST /api/demo makes one.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness({ DEMO_MAX_ROOMS: '2', SFU_TRUST_PROXY: '1' });
});
after(async () => {
  await h.close();
});

async function demo(address: string, path = '/api/demo', origin?: string) {
  const res = await fetch(`${h.sfu.url}${path}`, { method: 'POST', headers: { 'x-forwarded-for': address, ...(origin ? { origin } : {}) } });
  return { status: res.status, body: (await res.json()) as { id?: string; error?: { code: string } } };
}

test('one address holds one demo room at a time; the others stay for other people', async () => {
  const mine = [];
  for (let i = 0; i < 4; i++) mine.push(await demo('203.0.113.66'));
  assert.deepEqual(mine.map((r) => r.status), [201, 201, 201, 201]);
  assert.equal(new Set(mine.map((r) => r.body.id)).size, 1, 'asking again gives back the same room');
  const someoneElse = await demo('198.51.100.2');
  assert.equal(someoneElse.status, 201);
  assert.notEqual(someoneElse.body.id, mine[0]!.body.id);
});

test('only POST /api/demo itself, and not from another site', async () => {
  for (const path of ['/api/demoXYZ', '/api/demo/x', '/api/demos']) {
    const res = await demo('192.0.2.9', path);
    assert.deepEqual([res.status, res.body.error?.code], [404, 'not_found'], path);
  }
  const crossSite = await demo('192.0.2.10', '/api/demo', 'https://evil.example');
  assert.equal(crossSite.status, 403);
});
