import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import type { Socket } from 'socket.io-client';
import { OpusFrameDecoder, OpusFrameEncoder } from '@bandmate/media/opus-codec';
import { parseRtp, serializeRtp } from '@bandmate/media/rtp';
import { openDatabase, type BandmateDatabase } from '../src/db/index.ts';
import { Peer } from '../src/rooms/peer.ts';
import type { Room } from '../src/rooms/room.ts';
import { ask, askOk, createRoom, joinRoom, nextEvent, opusRtpParameters, startHarness, type Harness, waitFor } from './harness.ts';

type PeerInfo = { id: string; displayName: string; role: string; hostMuted?: boolean };
type Joined = Awaited<ReturnType<typeof joinRoom>> & { isHost: boolean; hostId: string | null; locked: boolean };

let h: Harness;
let db: BandmateDatabase;
const cleanups: Array<() => void> = [];

before(async () => {
  h = await startHarness();
  db = await openDatabase(h.databaseUrl);
});
after(async () => {
  for (const c of cleanups.reverse()) c();
  await db.close();
  await h.close();
});

const client = () => h.client();

async function join(socket: Socket, roomId: string, name: string, role = 'musician'): Promise<Joined> {
  return (await joinRoom(socket, roomId, name, role)) as Joined;
}

/** A musician's microphone as the SFU sees it (the transport is never connected: no RTP needed). */
async function produce(socket: Socket, ssrc: number): Promise<string> {
  const send = await askOk<{ id: string }>(socket, 'createWebRtcTransport', { direction: 'send' });
  const { producerId } = await askOk<{ producerId: string }>(socket, 'produce', {
    transportId: send.id,
    kind: 'audio',
    rtpParameters: opusRtpParameters(ssrc),
    source: 'mic',
  });
  return producerId;
}

/** Everything a socket is told, in order, from now on. */
function record<T>(socket: Socket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => seen.push(payload));
  return seen;
}

async function refusedWith(socket: Socket, event: string, payload: unknown, code: string): Promise<string> {
  const reply = await ask(socket, event, payload);
  assert.equal(reply.ok, false, `${event} ${JSON.stringify(payload)} should be refused`);
  assert.equal(!reply.ok && reply.error.code, code, `${event} ${JSON.stringify(payload)}: ${!reply.ok && reply.error.message}`);
  assert.ok(!reply.ok && reply.error.message.length > 10, 'refusals say why');
  return !reply.ok ? reply.error.message : '';
}

/** Ana (host), Ben (musician, producing), Cat (listener), all on the signalling API. */
async function band(name: string) {
  const { id } = await createRoom(h.sfu, name);
  const ana = await client();
  const ben = await client();
  const cat = await client();
  const anaJoin = await join(ana, id, 'Ana');
  const benJoin = await join(ben, id, 'Ben');
  const catJoin = await join(cat, id, 'Cat', 'listener');
  const benProducer = await produce(ben, 4242);
  return { id, room: h.sfu.registry.get(id)!, ana, ben, cat, anaId: anaJoin.peerId, benId: benJoin.peerId, catId: catJoin.peerId, anaJoin, benJoin, catJoin, benProducer };
}

async function leaveAll(...socketsToLeave: Socket[]) {
  for (const s of socketsToLeave) await ask(s, 'leave', {});
}

describe('the host role is explicit room state', () => {
  test('the first musician hosts; a listener never does; the role passes on when the host leaves', async () => {
    const { id } = await createRoom(h.sfu, 'Seat');
    const lis = await client();
    const a = await client();
    const b = await client();
    const lisJoin = await join(lis, id, 'Lis', 'listener');
    assert.equal(lisJoin.isHost, false);
    assert.equal(lisJoin.hostId, null, 'a room of listeners has no host');
    const hostChanges = record<{ peerId: string | null }>(lis, 'hostChanged');
    const aJoin = await join(a, id, 'Ana');
    assert.equal(aJoin.isHost, true);
    assert.equal(aJoin.hostId, aJoin.peerId);
    assert.equal(aJoin.locked, false);
    const bJoin = await join(b, id, 'Ben');
    assert.equal(bJoin.isHost, false);
    assert.equal(bJoin.hostId, aJoin.peerId, 'newcomers learn who hosts');
    const passed = nextEvent<{ peerId: string | null }>(b, 'hostChanged');
    await askOk(a, 'leave', {});
    assert.equal((await passed).peerId, bJoin.peerId);
    const gone = nextEvent<{ peerId: string | null }>(lis, 'hostChanged');
    await askOk(b, 'leave', {});
    assert.equal((await gone).peerId, null, 'only a listener is left: nobody hosts');
    assert.deepEqual(hostChanges.map((c) => c.peerId), [aJoin.peerId, bJoin.peerId, null]);
    await leaveAll(lis);
  });

  test("the room's owner becomes host when they join, and takes it back from a successor who leaves", async () => {
    const { id } = await createRoom(h.sfu, 'Owned');
    const a = await client();
    const aJoin = await join(a, id, 'Ana');
    const room = h.sfu.registry.get(id)!;
    room.ownerId = 'user-teacher';
    // A signed-in peer as the accounts layer creates it (userId from the session).
    const teacher = new Peer('teacher', 'Teacher', 'listener', room.rtpCapabilities, false, { userId: 'user-teacher' });
    const toOwner = nextEvent<{ peerId: string }>(a, 'hostChanged');
    room.join(teacher);
    assert.equal((await toOwner).peerId, 'teacher', 'the owner hosts even when only listening');
    assert.equal((await ask(a, 'lockRoom', { locked: true })).ok, false, 'Ana is no longer the host');

    // The owner hands over, then comes back: the role returns to them on arrival.
    handOver(room, teacher, aJoin.peerId);
    assert.equal(room.host()?.id, aJoin.peerId);
    room.leave('teacher');
    assert.equal(room.host()?.id, aJoin.peerId);
    const again = new Peer('teacher-2', 'Teacher', 'musician', room.rtpCapabilities, false, { userId: 'user-teacher' });
    room.join(again);
    assert.equal(room.host()?.id, 'teacher-2');

    // Someone the owner handed the role to cannot act against the owner.
    handOver(room, again, aJoin.peerId);
    await refusedWith(a, 'removeParticipant', { peerId: 'teacher-2' }, 'forbidden');
    await refusedWith(a, 'muteParticipant', { peerId: 'teacher-2', muted: true }, 'forbidden');
    room.leave('teacher-2');
    await leaveAll(a);
  });

  test('rooms without an owner keep working as before (ownerId null)', async () => {
    const { id } = await createRoom(h.sfu, 'Ownerless');
    const a = await client();
    const aJoin = await join(a, id, 'Ana');
    const room = h.sfu.registry.get(id)!;
    assert.equal(room.ownerId, null);
    const stranger = new Peer('s', 'Sam', 'musician', room.rtpCapabilities, false, { userId: 'someone' });
    room.join(stranger);
    assert.equal(room.host()?.id, aJoin.peerId, 'an account alone does not make anyone host');
    room.leave('s');
    await leaveAll(a);
  });
});

describe('mute and unmute', () => {
  test('the host mutes a musician in the SFU: the producer pauses, everyone is told, the musician cannot unmute themselves', async () => {
    const b = await band('Mute');
    const toCat = nextEvent<PeerInfo>(b.cat, 'peerUpdated');
    const toBen = nextEvent<PeerInfo>(b.ben, 'peerUpdated');
    const info = await askOk<PeerInfo>(b.ana, 'muteParticipant', { peerId: b.benId, muted: true });
    assert.equal(info.hostMuted, true);
    assert.deepEqual(await toCat, { id: b.benId, displayName: 'Ben', role: 'musician', hostMuted: true });
    assert.equal((await toBen).hostMuted, true, 'the muted musician is told');
    const producer = b.room.peers.get(b.benId)!.producers.get(b.benProducer)!;
    assert.equal(producer.paused, true, 'the producer is paused in the router');

    // Ben tries to get round it: resume, or close and produce again.
    await refusedWith(b.ben, 'resumeProducer', { producerId: b.benProducer }, 'host_muted');
    assert.equal(producer.paused, true);
    await askOk(b.ben, 'closeProducer', { producerId: b.benProducer });
    const send = [...b.room.peers.get(b.benId)!.transports.values()].find((t) => t.appData.direction === 'send')!;
    const { producerId: second } = await askOk<{ producerId: string }>(b.ben, 'produce', {
      transportId: send.id,
      kind: 'audio',
      rtpParameters: opusRtpParameters(4343),
      source: 'mic',
    });
    assert.equal(b.room.peers.get(b.benId)!.producers.get(second)!.paused, true, 'a new microphone starts muted');

    // Nobody but the host may mute or unmute.
    await refusedWith(b.cat, 'muteParticipant', { peerId: b.benId, muted: false }, 'not_host');
    await refusedWith(b.ben, 'muteParticipant', { peerId: b.benId, muted: false }, 'not_host');
    await refusedWith(b.ben, 'muteParticipant', { peerId: b.anaId, muted: true }, 'not_host');
    assert.equal(b.room.peers.get(b.benId)!.hostMuted, true);

    // Unmute: the producer resumes, and Ben's own pause/resume works again.
    const unmuted = nextEvent<PeerInfo>(b.cat, 'peerUpdated');
    await askOk(b.ana, 'muteParticipant', { peerId: b.benId, muted: false });
    assert.equal((await unmuted).hostMuted, false);
    const now = b.room.peers.get(b.benId)!.producers.get(second)!;
    assert.equal(now.paused, false);
    await askOk(b.ben, 'pauseProducer', { producerId: second });
    assert.equal(now.paused, true);
    await askOk(b.ben, 'resumeProducer', { producerId: second });
    assert.equal(now.paused, false);
    await leaveAll(b.ana, b.ben, b.cat);
  });

  test("a muted musician's audio really stops at a listener and comes back on unmute (real RTP, real Opus)", async () => {
    const { id } = await createRoom(h.sfu, 'Mute RTP');
    const host = await client();
    await join(host, id, 'Hana');
    const room = h.sfu.registry.get(id)!;
    const mia = await toneMusician(room, 'mia', 7070);
    const ear = await listen(room, mia.producerId);

    await waitFor(() => ear.loudPackets() > 20, 5000);
    await askOk(host, 'muteParticipant', { peerId: 'mia', muted: true });
    await sleep(100); // packets already in flight
    const atMute = ear.packets();
    await sleep(500);
    assert.equal(ear.packets() - atMute, 0, 'no packet of a muted musician is forwarded');

    await askOk(host, 'muteParticipant', { peerId: 'mia', muted: false });
    const atUnmute = ear.loudPackets();
    await waitFor(() => ear.loudPackets() - atUnmute > 20, 5000);
    assert.ok(ear.peak() > 0.3, `the tone is back at its level (peak ${ear.peak().toFixed(2)})`);
    room.leave('mia');
    await leaveAll(host);
  });

  test('a muted person who rejoins on the same connection (or with the same account) is still muted', async () => {
    const b = await band('Mute sticks');
    await askOk(b.ana, 'muteParticipant', { peerId: b.benId, muted: true });
    await askOk(b.ben, 'leave', {});
    const back = await join(b.ben, b.id, 'Ben');
    assert.equal((back.peers as PeerInfo[]).find((p) => p.id === b.benId), undefined);
    assert.equal(b.room.peers.get(back.peerId)!.hostMuted, true);
    const producerId = await produce(b.ben, 5151);
    assert.equal(b.room.peers.get(back.peerId)!.producers.get(producerId)!.paused, true);

    const account = new Peer('acc-1', 'Dee', 'musician', b.room.rtpCapabilities, false, { userId: 'user-dee', connectionId: 'c1' });
    b.room.join(account);
    await askOk(b.ana, 'muteParticipant', { peerId: 'acc-1', muted: true });
    b.room.leave('acc-1');
    const sameAccount = new Peer('acc-2', 'Dee', 'musician', b.room.rtpCapabilities, false, { userId: 'user-dee', connectionId: 'c2' });
    b.room.join(sameAccount);
    assert.equal(sameAccount.hostMuted, true, 'the decision follows the account to a new connection');
    b.room.leave('acc-2');
    await leaveAll(b.ana, b.ben, b.cat);
  });
});

describe('listen-only', () => {
  test("the host makes a musician listen-only: their stream closes, they are told, can't send; then lets them play again", async () => {
    const b = await band('Listen only');
    await askOk(b.cat, 'createWebRtcTransport', { direction: 'recv' });
    const consumed = await askOk<{ consumerId: string }>(b.cat, 'consume', { producerId: b.benProducer });

    const closedAtCat = nextEvent<{ consumerId: string }>(b.cat, 'consumerClosed');
    const toBen = nextEvent<PeerInfo>(b.ben, 'peerUpdated');
    const info = await askOk<PeerInfo>(b.ana, 'setParticipantRole', { peerId: b.benId, role: 'listener' });
    assert.equal(info.role, 'listener');
    assert.equal((await toBen).role, 'listener', 'Ben is told');
    assert.equal((await closedAtCat).consumerId, consumed.consumerId, "Ben's stream is gone for Cat");
    const ben = b.room.peers.get(b.benId)!;
    assert.equal(ben.producers.size, 0);
    assert.equal([...ben.transports.values()].filter((t) => t.appData.direction === 'send').length, 0);
    await refusedWith(b.ben, 'createWebRtcTransport', { direction: 'send' }, 'forbidden');

    // Leaving and rejoining does not make Ben a musician again.
    await askOk(b.ben, 'leave', {});
    await assert.rejects(join(b.ben, b.id, 'Ben'), /listen_only/);
    const asListener = await join(b.ben, b.id, 'Ben', 'listener');

    // Non-hosts cannot change roles.
    await refusedWith(b.ben, 'setParticipantRole', { peerId: asListener.peerId, role: 'musician' }, 'not_host');
    await refusedWith(b.cat, 'setParticipantRole', { peerId: b.anaId, role: 'listener' }, 'not_host');

    const playing = nextEvent<PeerInfo>(b.ben, 'peerUpdated');
    await askOk(b.ana, 'setParticipantRole', { peerId: asListener.peerId, role: 'musician' });
    assert.equal((await playing).role, 'musician');
    const newProducer = nextEvent<{ peerId: string }>(b.cat, 'newProducer');
    await produce(b.ben, 6161);
    assert.equal((await newProducer).peerId, asListener.peerId, 'Ben plays again');
    await leaveAll(b.ana, b.ben, b.cat);
  });
});

describe('remove', () => {
  test('the removed participant is told why, leaves the room, and cannot come back this session', async () => {
    const b = await band('Remove');
    const told = nextEvent<{ reason: string }>(b.ben, 'removed');
    const leftAtCat = nextEvent<{ peerId: string }>(b.cat, 'peerLeft');
    await refusedWith(b.cat, 'removeParticipant', { peerId: b.benId }, 'not_host');
    await askOk(b.ana, 'removeParticipant', { peerId: b.benId, reason: 'feedback loop' });
    assert.match((await told).reason, /feedback loop/);
    assert.equal((await leftAtCat).peerId, b.benId);
    assert.equal(b.room.peers.has(b.benId), false);

    // The connection is no longer a member, and may not rejoin the room.
    await refusedWith(b.ben, 'createWebRtcTransport', { direction: 'recv' }, 'not_joined');
    await assert.rejects(join(b.ben, b.id, 'Ben again'), /removed/);
    await assert.rejects(join(b.ben, b.id, 'Ben again', 'listener'), /removed/);
    // Their stay is closed in the database like any leave.
    await waitFor(async () => (await db.listParticipants(b.id, { activeOnly: true })).every((p) => p.peerId !== b.benId), 3000);

    // An account stays out on any connection.
    const acc = new Peer('acc-r1', 'Eve', 'musician', b.room.rtpCapabilities, false, { userId: 'user-eve', connectionId: 'x1' });
    b.room.join(acc);
    await askOk(b.ana, 'removeParticipant', { peerId: 'acc-r1' });
    assert.throws(
      () => b.room.join(new Peer('acc-r2', 'Eve', 'musician', b.room.rtpCapabilities, false, { userId: 'user-eve', connectionId: 'x2' })),
      /removed you/,
    );

    // When the session ends (everyone left), the ban ends with it.
    await leaveAll(b.ana, b.cat);
    await waitFor(async () => !h.sfu.registry.get(b.id), 3000);
    const back = await join(b.ben, b.id, 'Ben');
    assert.equal(back.isHost, true);
    await leaveAll(b.ben);
  });
});

describe('lock', () => {
  test('the host locks and unlocks: stored in the database, announced to everyone; refused to others; a session ends unlocked', async () => {
    const b = await band('Lock');
    const atBen = nextEvent<{ locked: boolean }>(b.ben, 'lockChanged');
    const atCat = nextEvent<{ locked: boolean }>(b.cat, 'lockChanged');
    assert.deepEqual(await askOk(b.ana, 'lockRoom', { locked: true }), { locked: true });
    assert.equal((await atBen).locked, true);
    assert.equal((await atCat).locked, true);
    assert.equal(await db.isRoomLocked(b.id), true);
    assert.equal(b.room.locked, true);

    await refusedWith(b.ben, 'lockRoom', { locked: false }, 'not_host');
    await refusedWith(b.cat, 'lockRoom', { locked: false }, 'not_host');
    assert.equal(await db.isRoomLocked(b.id), true);

    const unlocked = nextEvent<{ locked: boolean }>(b.cat, 'lockChanged');
    await askOk(b.ana, 'lockRoom', { locked: false });
    assert.equal((await unlocked).locked, false);
    assert.equal(await db.isRoomLocked(b.id), false);

    await askOk(b.ana, 'lockRoom', { locked: true });
    await leaveAll(b.ana, b.ben, b.cat);
    await waitFor(async () => !(await db.isRoomLocked(b.id)), 3000);
  });
});

describe('hand over', () => {
  test('the host hands the role to another musician; the controls move with it (the AI switch too)', async () => {
    const b = await band('Hand over');
    await refusedWith(b.ben, 'handOverHost', { peerId: b.benId }, 'not_host');
    await refusedWith(b.ana, 'handOverHost', { peerId: b.catId }, 'bad_request');
    await refusedWith(b.ana, 'handOverHost', { peerId: b.anaId }, 'bad_request');

    const atCat = nextEvent<{ peerId: string }>(b.cat, 'hostChanged');
    assert.deepEqual(await askOk(b.ana, 'handOverHost', { peerId: b.benId }), { peerId: b.benId });
    assert.equal((await atCat).peerId, b.benId);
    assert.equal(b.room.host()?.id, b.benId);

    await refusedWith(b.ana, 'muteParticipant', { peerId: b.benId, muted: true }, 'not_host');
    await refusedWith(b.ana, 'lockRoom', { locked: true }, 'not_host');
    await refusedWith(b.ana, 'addAiPlayer', { instrument: 'drums' }, 'not_host');
    // The new host passes the host check; this SFU has no AI worker.
    await refusedWith(b.ben, 'addAiPlayer', { instrument: 'drums' }, 'ai_unavailable');
    await askOk(b.ben, 'muteParticipant', { peerId: b.anaId, muted: true });
    assert.equal(b.room.peers.get(b.anaId)!.hostMuted, true);
    await leaveAll(b.ana, b.ben, b.cat);
  });
});

describe('bad input', () => {
  test('malformed and misdirected controls get clear errors and leave the room as it was', async () => {
    const b = await band('Bad controls');
    const outsider = await client();
    const cases: Array<[Socket, string, unknown, string]> = [
      [outsider, 'muteParticipant', { peerId: b.benId, muted: true }, 'not_joined'],
      [outsider, 'lockRoom', { locked: true }, 'not_joined'],
      [b.ana, 'muteParticipant', { peerId: b.benId }, 'bad_request'],
      [b.ana, 'muteParticipant', { peerId: b.benId, muted: 'yes' }, 'bad_request'],
      [b.ana, 'muteParticipant', { peerId: '', muted: true }, 'bad_request'],
      [b.ana, 'muteParticipant', { peerId: 'x'.repeat(65), muted: true }, 'bad_request'],
      [b.ana, 'muteParticipant', { peerId: b.benId, muted: true, all: true }, 'bad_request'],
      [b.ana, 'muteParticipant', null, 'bad_request'],
      [b.ana, 'setParticipantRole', { peerId: b.benId, role: 'host' }, 'bad_request'],
      [b.ana, 'removeParticipant', { peerId: b.benId, reason: 'r'.repeat(500) }, 'bad_request'],
      [b.ana, 'lockRoom', { locked: 1 }, 'bad_request'],
      [b.ana, 'handOverHost', {}, 'bad_request'],
      [b.ana, 'resumeProducer', { producerId: 'nope' }, 'not_found'],
      [b.ana, 'muteParticipant', { peerId: 'no-such-peer', muted: true }, 'not_found'],
      [b.ana, 'setParticipantRole', { peerId: 'no-such-peer', role: 'listener' }, 'not_found'],
      [b.ana, 'removeParticipant', { peerId: 'no-such-peer' }, 'not_found'],
      [b.ana, 'handOverHost', { peerId: 'no-such-peer' }, 'not_found'],
      [b.ana, 'removeParticipant', { peerId: b.anaId }, 'bad_request'],
      [b.ana, 'muteParticipant', { peerId: b.anaId, muted: true }, 'bad_request'],
      [b.ana, 'setParticipantRole', { peerId: b.anaId, role: 'listener' }, 'bad_request'],
      // A non-host learns nothing about ids: refused before the target is looked up.
      [b.cat, 'removeParticipant', { peerId: 'no-such-peer' }, 'not_host'],
    ];
    for (const [socket, event, payload, code] of cases) await refusedWith(socket, event, payload, code);

    // The AI band member is not a target of these controls.
    const ai = new Peer('ai-test', 'AI', 'musician', b.room.rtpCapabilities, true);
    b.room.join(ai);
    await refusedWith(b.ana, 'muteParticipant', { peerId: 'ai-test', muted: true }, 'bad_request');
    await refusedWith(b.ana, 'handOverHost', { peerId: 'ai-test' }, 'bad_request');
    b.room.leave('ai-test');

    // Nothing changed, and the room still works.
    assert.equal(b.room.host()?.id, b.anaId);
    assert.equal(b.room.locked, false);
    assert.deepEqual(
      [...b.room.peers.values()].map((p) => [p.displayName, p.role, p.hostMuted]),
      [['Ana', 'musician', false], ['Ben', 'musician', false], ['Cat', 'listener', false]],
    );
    assert.equal(b.room.peers.get(b.benId)!.producers.get(b.benProducer)!.paused, false);
    const announced = nextEvent<{ displayName: string }>(b.ana, 'peerJoined');
    await join(outsider, b.id, 'Late', 'listener');
    assert.equal((await announced).displayName, 'Late');
    await askOk(b.ana, 'muteParticipant', { peerId: b.benId, muted: true });
    await leaveAll(b.ana, b.ben, b.cat, outsider);
  });
});

function handOver(room: Room, from: Peer, toId: string) {
  assert.equal(room.host(), from);
  room.setHost(room.peers.get(toId));
}

/** A musician playing a 440 Hz tone into the room over a plain RTP transport (real Opus). */
async function toneMusician(room: Room, id: string, ssrc: number) {
  const peer = new Peer(id, id, 'musician', room.rtpCapabilities);
  room.join(peer);
  const input = await room.router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: true });
  peer.transports.set(input.id, input as never);
  const producer = await input.produce({
    kind: 'audio',
    rtpParameters: {
      codecs: [{ mimeType: 'audio/opus', clockRate: 48000, payloadType: 111, channels: 2, parameters: { 'sprop-stereo': 1 } }],
      encodings: [{ ssrc }],
    },
  });
  room.adopt(peer, producer);
  const mic = createSocket('udp4');
  const enc = new OpusFrameEncoder();
  let seq = 0;
  const timer = setInterval(() => {
    const frame = Float32Array.from({ length: 480 }, (_, j) => 0.5 * Math.sin((2 * Math.PI * 440 * (seq * 480 + j)) / 48000));
    mic.send(
      serializeRtp({ payloadType: 111, sequenceNumber: seq & 0xffff, timestamp: seq * 480, ssrc, marker: false, payload: enc.encodeMono(frame) }),
      input.tuple.localPort,
      '127.0.0.1',
    );
    seq++;
  }, 10);
  cleanups.push(() => {
    clearInterval(timer);
    mic.close();
  });
  return { producerId: producer.id };
}

/** A listener's ear: consumes a producer over plain RTP, decodes Opus, counts packets and loud frames. */
async function listen(room: Room, producerId: string) {
  const ear = createSocket('udp4');
  await new Promise<void>((r) => ear.bind(0, '127.0.0.1', r));
  cleanups.push(() => ear.close());
  let packets = 0;
  let loud = 0;
  let peak = 0;
  const dec = new OpusFrameDecoder();
  ear.on('message', (m) => {
    const p = parseRtp(m);
    if (!p) return;
    packets++;
    const level = Math.max(...dec.decode(p.payload).map(Math.abs));
    if (level > 0.3) loud++;
    peak = level;
  });
  const out = await room.router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: false });
  await out.connect({ ip: '127.0.0.1', port: ear.address().port });
  await out.consume({ producerId, rtpCapabilities: room.rtpCapabilities });
  cleanups.push(() => out.close());
  return { packets: () => packets, loudPackets: () => loud, peak: () => peak };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

