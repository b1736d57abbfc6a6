// One account (signed in, or a guest) joining room after room, tab after tab: it holds at most
// SFU_MAX_PEERS_PER_ACCOUNT peers at once across the live rooms, so it cannot take the seats and
// media ports of every room; other accounts and anonymous visitors are not counted with it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ask, createRoom, replyCode, startHarness, type Harness } from './harness.ts';

let h: Harness;
const client = () => h.browser();
const code = replyCode;

before(async () => {
  h = await startHarness({ SFU_MAX_PEERS_PER_ACCOUNT: '2' });
});
after(async () => {
  await new Promise((r) => setTimeout(r, 300));
  await h.close();
});

test('an account holds at most SFU_MAX_PEERS_PER_ACCOUNT peers across rooms; leaving frees a place', async () => {
  const hoarder = client();
  assert.equal((await hoarder.signUp({ email: `hoarder-${process.pid}@example.com`, password: 'a long password', displayName: 'Hoarder' })).status, 201);
  const rooms: string[] = [];
  for (let i = 0; i < 3; i++) rooms.push((await createRoom(h.sfu, `Room ${i}`)).id);

  const first = await hoarder.join(rooms[0]!);
  const again = await hoarder.join(rooms[0]!, { name: 'Second tab' });
  assert.deepEqual([code(first.reply), code(again.reply)], ['ok', 'ok'], 'two tabs in one room count as two');
  const third = await hoarder.join(rooms[1]!);
  assert.equal(code(third.reply), 'account_peers_full');
  assert.match(!third.reply.ok ? third.reply.error.message : '', /leave one first/);
  assert.equal(h.sfu.registry.get(rooms[1]!), undefined, 'no room was opened for the refused join');

  // Others are not counted with it.
  const other = client();
  assert.equal((await other.signUp({ email: `other-${process.pid}@example.com`, password: 'a long password', displayName: 'Other' })).status, 201);
  assert.equal(code((await other.join(rooms[1]!)).reply), 'ok');
  assert.equal(code((await client().join(rooms[2]!, { name: 'Anonymous' })).reply), 'ok');

  assert.ok((await ask(again.socket, 'leave', {})).ok);
  const last = await hoarder.join(rooms[2]!);
  assert.equal(code(last.reply), 'ok', 'a left seat frees a place');

  // Everyone leaves and the rooms close before the SFU stops (their writes done: PostgreSQL's
  // interactive transactions started at shutdown can be left hanging).
  for (const { socket } of [first, last]) assert.ok((await ask(socket, 'leave', {})).ok);
  await waitFor(() => !h.sfu.registry.get(rooms[0]!));
});

async function waitFor(check: () => boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}
