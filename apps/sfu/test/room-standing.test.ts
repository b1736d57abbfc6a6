import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RoomStanding } from '../src/rooms/room-standing.ts';

const guest = (id: string, connectionId: string) => ({ id, connectionId, userId: undefined });

test('a decision follows the peer id (kept over a new connection by the rejoin token of someone the room expects back), not a new peer', () => {
  const standing = new RoomStanding();
  standing.record(guest('peer-ben', 'conn-1'), { removed: true });
  assert.equal(standing.of(guest('peer-ben', 'conn-2')).removed, true, 'Ben back with his peer id');
  assert.equal(standing.of(guest('peer-new', 'conn-3')).removed, false, 'a reload without a token is someone new');
  assert.equal(standing.of({ id: 'x', connectionId: 'conn-1', userId: undefined }).removed, true, 'the same connection');
});

test('the durable decisions (accounts, peer ids) are written on every change and taken back by a resumed session', () => {
  const before = new RoomStanding();
  let changes = 0;
  before.onChange = () => changes++;
  before.record(guest('peer-ben', 'conn-1'), { removed: true });
  before.record({ id: 'peer-cy', connectionId: 'conn-2', userId: 'user-cy' }, { listenOnly: true });
  before.record({ userId: 'user-dee', connectionId: undefined }, { muted: true });
  assert.equal(changes, 3);
  const durable = before.durable();
  assert.deepEqual(Object.keys(durable).sort(), ['peer:peer-ben', 'peer:peer-cy', 'user:user-cy', 'user:user-dee']);
  const after = new RoomStanding();
  after.restore(durable);
  assert.equal(after.of(guest('peer-ben', 'conn-9')).removed, true);
  assert.equal(after.of({ id: 'peer-other', connectionId: 'conn-8', userId: 'user-cy' }).listenOnly, true);
  assert.equal(after.of({ id: 'peer-d', connectionId: 'conn-7', userId: 'user-dee' }).muted, true);
  assert.equal(after.of(guest('peer-eve', 'conn-1')).removed, false, 'connections do not outlive the process');
});
