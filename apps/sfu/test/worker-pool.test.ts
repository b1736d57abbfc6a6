import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignalRequestError } from '@bandmate/shared';
import { WorkerPool } from '../src/agents/worker-pool.ts';

const info = (capacity: number, instruments = ['drums', 'bass']) => ({ model: 'm', provider: 'cpu', instruments, capacity });
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof SignalRequestError ? err.code : String(err);
  }
  return 'placed';
};

test('players go to the least-loaded worker (by share of its seats), the older one on a tie', () => {
  const pool = new WorkerPool<null>(8);
  pool.add('a', info(4), null);
  pool.add('b', info(2), null);
  const where = ['r/1', 'r/2', 'r/3', 'r/4', 'r/5', 'r/6'].map((k) => pool.place(k, 'drums').id);
  // a 0/4 b 0/2: a (older) · 1/4 vs 0/2: b · 1/4 vs 1/2: a · 2/4 vs 1/2: same share, b runs fewer · b full: a, a
  assert.deepEqual(where, ['a', 'b', 'a', 'b', 'a', 'a']);
  assert.deepEqual(pool.load(), { workers: 2, players: 6, capacity: 6 });
  assert.equal(code(() => pool.place('r/7', 'drums')), 'ai_pool_full');
  // A player already placed stays where it is.
  assert.equal(pool.place('r/1', 'bass').id, 'a');
});

test('an instrument only some workers play goes to those; none plays it: ai_instrument_unavailable; no worker: ai_unavailable', () => {
  const pool = new WorkerPool<null>(8);
  assert.equal(code(() => pool.place('r/1', 'drums')), 'ai_unavailable');
  pool.add('a', info(1, ['drums']), null);
  pool.add('b', info(4, ['keys']), null);
  assert.deepEqual(pool.instruments(), ['drums', 'keys']);
  assert.equal(pool.place('r/1', 'keys').id, 'b');
  assert.equal(pool.place('r/2', 'drums').id, 'a');
  assert.equal(code(() => pool.place('r/3', 'drums')), 'ai_pool_full', 'b has seats but does not play drums');
  assert.equal(code(() => pool.place('r/4', 'bass')), 'ai_instrument_unavailable');
  // Moving a placed player to an instrument its worker does not play frees its seat there.
  assert.equal(pool.place('r/2', 'keys').id, 'b');
  assert.equal(pool.get('a')!.players.size, 0);
});

test('a worker that goes hands back its players; their seats are free elsewhere; rooms find their workers', () => {
  const pool = new WorkerPool<null>(2);
  pool.add('a', info(2), null);
  pool.add('b', info(2), null);
  assert.equal(pool.full, true);
  pool.place('room1/p1', 'drums');
  pool.place('room1/p2', 'drums');
  pool.place('room2/p1', 'bass');
  assert.deepEqual(pool.roomWorkers('room1').map((w) => w.id).sort(), ['a', 'b']);
  assert.deepEqual(pool.roomWorkers('room2').map((w) => w.id), ['a']);
  const lost = pool.remove('b');
  assert.deepEqual(lost, ['room1/p2']);
  assert.equal(pool.workerOf('room1/p2'), undefined);
  assert.equal(pool.full, false);
  // a runs two already: the lost player waits for a seat, which a removed player frees.
  assert.equal(code(() => pool.place('room1/p2', 'drums')), 'ai_pool_full');
  pool.unplace('room2/p1');
  assert.equal(pool.place('room1/p2', 'drums').id, 'a');
  assert.deepEqual(pool.remove('nobody'), []);
});
