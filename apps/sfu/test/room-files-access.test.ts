import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { parseRange } from '../src/http/recordings-api.ts';
import { anyRoomFilesAccess, RoomFilesPasses } from '../src/recording/room-files-access.ts';

const request = (url: string, headers: Record<string, string> = {}) => ({ url, headers }) as unknown as IncomingMessage;

test("a member's pass opens its own room's files only, until it expires; forged passes do not", async () => {
  let now = 1_800_000_000_000;
  const passes = new RoomFilesPasses(undefined, 60_000, () => now);
  const { token, expiresAt } = passes.issue('roomAAAA');
  assert.equal(expiresAt.getTime(), now + 60_000);
  assert.equal(passes.verify(token, 'roomAAAA'), true);
  assert.equal(passes.verify(token, 'roomBBBB'), false);
  assert.equal(await passes.canAccessRoomFiles(request(`/x?access=${token}`), 'roomAAAA'), true);
  assert.equal(await passes.canAccessRoomFiles(request('/x', { 'x-room-files-access': token }), 'roomAAAA'), true);
  assert.equal(await passes.canAccessRoomFiles(request('/x'), 'roomAAAA'), false);
  const [exp, sig] = token.split('.') as [string, string];
  assert.equal(passes.verify(`${Number(exp) + 3600}.${sig}`, 'roomAAAA'), false, 'a longer expiry breaks the signature');
  assert.equal(passes.verify(`${exp}.${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`, 'roomAAAA'), false);
  assert.equal(new RoomFilesPasses().verify(token, 'roomAAAA'), false, 'another server (another secret) does not take it');
  for (const junk of ['', 'x', 'a'.repeat(500), '1.2.3', `${exp}.${'!'.repeat(43)}`]) assert.equal(passes.verify(junk, 'roomAAAA'), false);
  now += 60_001;
  assert.equal(passes.verify(token, 'roomAAAA'), false, 'expired');
});

test("a member's pass names their account and works only while they are a member", async () => {
  const members = new Set(['11111111-1111-4111-8111-111111111111']);
  const passes = new RoomFilesPasses(undefined, 60_000, Date.now, async (userId) => members.has(userId));
  const [holder] = [...members] as [string];
  const { token } = passes.issue('roomAAAA', holder);
  assert.equal(await passes.canAccessRoomFiles(request(`/x?access=${token}`), 'roomAAAA'), true);
  const other = token.replace(holder, '22222222-2222-4222-8222-222222222222');
  assert.equal(passes.verify(other, 'roomAAAA'), false, 'the account is signed: it cannot be swapped');
  assert.equal(passes.verify(token.replace(`${holder}.`, ''), 'roomAAAA'), false, 'nor dropped');
  members.delete(holder);
  assert.equal(await passes.canAccessRoomFiles(request(`/x?access=${token}`), 'roomAAAA'), false, 'removed: the pass is dead');
});

test('any of several ways in', async () => {
  const no = { canAccessRoomFiles: async () => false };
  const yes = { canAccessRoomFiles: async () => true };
  assert.equal(await anyRoomFilesAccess(no, yes).canAccessRoomFiles(request('/'), 'r'), true);
  assert.equal(await anyRoomFilesAccess(no, no).canAccessRoomFiles(request('/'), 'r'), false);
});

test('byte ranges: one range served, suffixes and open ends, nonsense means the whole file', () => {
  assert.deepEqual(parseRange('bytes=0-99', 1000), { start: 0, end: 99 });
  assert.deepEqual(parseRange('bytes=900-', 1000), { start: 900, end: 999 });
  assert.deepEqual(parseRange('bytes=-100', 1000), { start: 900, end: 999 });
  assert.deepEqual(parseRange('bytes=990-5000', 1000), { start: 990, end: 999 });
  assert.equal(parseRange('bytes=1000-', 1000), 'unsatisfiable');
  assert.equal(parseRange('bytes=-0', 1000), 'unsatisfiable');
  assert.equal(parseRange('bytes=5-2', 1000), 'unsatisfiable');
  assert.equal(parseRange('bytes=0-1,5-9', 1000), null);
  assert.equal(parseRange('items=0-1', 1000), null);
  assert.equal(parseRange(undefined, 1000), null);
});
