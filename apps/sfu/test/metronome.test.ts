// Clock sync and the metronome on a real SFU: the host's controls, their refusal to everyone
// else (straight on the signalling API), validation, the broadcast grid and the stored tempo.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TempoState } from '@bandmate/shared';
import { openDatabase } from '../src/db/index.ts';
import { START_LEAD_MS } from '../src/metronome/room-metronome.ts';
import { ask, askOk, createRoom, joinRoom, nextEvent, startHarness, type Harness, waitFor } from './harness.ts';

let h: Harness;
const client = () => h.client();
const localNow = () => performance.timeOrigin + performance.now();

before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

describe('clock sync', () => {
  test('answers with the server’s receive and send times, before joining too', async () => {
    const a = await client();
    const samples = [];
    for (let i = 0; i < 5; i++) {
      const t0 = localNow();
      const reply = await askOk<{ t0: number; t1: number; t2: number }>(a, 'clockSync', { t0 });
      const t3 = localNow();
      assert.equal(reply.t0, t0, 'the client time is echoed');
      assert.ok(reply.t2 >= reply.t1);
      samples.push({ offset: (reply.t1 - t0 + (reply.t2 - t3)) / 2, rtt: t3 - t0 - (reply.t2 - reply.t1) });
    }
    // Same machine, same epoch-based monotonic clock: the true offset is 0.
    const best = samples.sort((x, y) => x.rtt - y.rtt)[0]!;
    assert.ok(Math.abs(best.offset) <= best.rtt / 2 + 0.01, `offset ${best.offset} ms, rtt ${best.rtt} ms`);
  });

  test('a malformed ping is refused', async () => {
    const a = await client();
    for (const payload of [{}, { t0: 'now' }, { t0: 1, extra: 2 }, { t0: null }]) {
      const reply = await ask(a, 'clockSync', payload);
      assert.equal(!reply.ok && reply.error.code, 'bad_request', JSON.stringify(payload));
    }
  });
});

describe('metronome', () => {
  test('only the host starts, stops and sets the tempo; others get not_host, and everyone gets the grid', async () => {
    const room = await createRoom(h.sfu, 'Metronome');
    const ana = await client();
    const ben = await client();
    const cat = await client();
    const joined = await joinRoom(ana, room.id, 'Ana');
    assert.deepEqual((joined as unknown as { tempo: TempoState }).tempo, {
      bpm: 100,
      beatsPerBar: 4,
      running: false,
      startAt: null,
      countInBeats: 0,
    });
    await joinRoom(ben, room.id, 'Ben');
    await joinRoom(cat, room.id, 'Cat', 'listener');

    for (const [who, socket] of [['Ben', ben], ['Cat', cat]] as const) {
      for (const [event, payload] of [
        ['startMetronome', {}],
        ['stopMetronome', {}],
        ['setTempo', { bpm: 140 }],
      ] as const) {
        const reply = await ask(socket, event, payload);
        assert.equal(reply.ok, false, `${who} ${event}`);
        assert.equal(!reply.ok && reply.error.code, 'not_host');
        assert.match(!reply.ok ? reply.error.message : '', /only the host/);
      }
    }

    const atBen = nextEvent<TempoState>(ben, 'tempo');
    const atCat = nextEvent<TempoState>(cat, 'tempo');
    const set = await askOk<TempoState>(ana, 'setTempo', { bpm: 150, beatsPerBar: 3 });
    assert.equal(set.bpm, 150);
    assert.deepEqual(await atBen, set);
    assert.deepEqual(await atCat, set);

    const before = performance.timeOrigin + performance.now();
    const started = nextEvent<TempoState>(ben, 'tempo');
    const s = await askOk<TempoState>(ana, 'startMetronome', {});
    assert.deepEqual(await started, s);
    assert.equal(s.running, true);
    assert.equal(s.countInBeats, 3, 'one bar of count-in');
    const lead = s.startAt! - before;
    assert.ok(lead >= START_LEAD_MS + 1200 - 5 && lead <= START_LEAD_MS + 1200 + 200, `beat 0 ${lead} ms after start: lead + one 3/4 bar at 150 BPM`);

    const stopped = await askOk<TempoState>(ana, 'stopMetronome', {});
    assert.equal(stopped.running, false);
    assert.equal(stopped.startAt, null);
    for (const s of [ana, ben, cat]) await askOk(s, 'leave', {});
  });

  test('tempo values are validated with clear messages', async () => {
    const room = await createRoom(h.sfu, 'Tempo limits');
    const ana = await client();
    await joinRoom(ana, room.id, 'Ana');
    const cases: Array<[unknown, RegExp]> = [
      [{ bpm: 29 }, /at least 30/],
      [{ bpm: 301 }, /at most 300/],
      [{ bpm: 120.5 }, /whole number/],
      [{ beatsPerBar: 0 }, /at least 1/],
      [{ beatsPerBar: 13 }, /at most 12/],
      [{}, /bpm and\/or beatsPerBar/],
      [{ bpm: 120, running: true }, /unrecognized|Unrecognized/],
    ];
    for (const [payload, message] of cases) {
      const reply = await ask(ana, 'setTempo', payload);
      assert.equal(!reply.ok && reply.error.code, 'bad_request', JSON.stringify(payload));
      assert.match(!reply.ok ? reply.error.message : '', message);
    }
    await askOk(ana, 'leave', {});
  });

  test('the host’s tempo is stored on the room and comes back when the room reopens', async () => {
    const room = await createRoom(h.sfu, 'Stored tempo');
    const ana = await client();
    await joinRoom(ana, room.id, 'Ana');
    await askOk(ana, 'setTempo', { bpm: 72, beatsPerBar: 7 });
    const db = await openDatabase(h.databaseUrl);
    try {
      await waitFor(async () => (await db.getRoomTempo(room.id))?.bpm === 72);
      assert.deepEqual(await db.getRoomTempo(room.id), { bpm: 72, beatsPerBar: 7 });
    } finally {
      await db.close();
    }
    await askOk(ana, 'leave', {});
    await waitFor(async () => h.sfu.registry.get(room.id) === undefined);

    // Reopened: the join reply, or the announcement right after it, carries the stored tempo.
    const seen: TempoState[] = [];
    ana.on('tempo', (t: TempoState) => seen.push(t));
    const again = (await joinRoom(ana, room.id, 'Ana')) as unknown as { tempo: TempoState };
    seen.unshift(again.tempo);
    await waitFor(async () => seen.at(-1)!.bpm === 72);
    assert.equal(seen.at(-1)!.beatsPerBar, 7);
    ana.off('tempo');
    await askOk(ana, 'leave', {});
  });

  test('when the host leaves, the next host controls the metronome', async () => {
    const room = await createRoom(h.sfu, 'Handover');
    const ana = await client();
    const ben = await client();
    await joinRoom(ana, room.id, 'Ana');
    await joinRoom(ben, room.id, 'Ben');
    await askOk(ana, 'startMetronome', {});
    await askOk(ana, 'leave', {});
    const stopped = await askOk<TempoState>(ben, 'stopMetronome', {});
    assert.equal(stopped.running, false);
    await askOk(ben, 'leave', {});
  });
});

