// Who may be the AI band member: the `/agent` namespace against a real SFU. An impostor on the
// same machine (what every client is behind a reverse proxy on the host) must not replace the
// worker, hear the room or speak for the AI.
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import { AGENT_NAMESPACE, type AiRoomState } from '@bandmate/shared';
import { Peer } from '../src/rooms/peer.ts';
import { askOk, connect, createRoom, joinRoom, startHarness, type Harness, waitFor } from './harness.ts';
import { plainProducer } from './plain-musician.ts';

const SECRET = 'a-test-agent-secret-of-some-length';
const HELLO = { model: 'fake 1', instruments: ['bass'], provider: 'cpu' };

interface FakeWorker {
  socket: Socket;
  /** Rooms it was asked to prepare. */
  prepared: string[];
  udp: UdpSocket & { packets: number };
}

/** A worker speaking the `/agent` protocol by hand; it answers `prepare` with `reply(port)`. */
async function fakeWorker(
  h: Harness,
  auth: Record<string, unknown>,
  reply: (port: number) => Record<string, unknown> = (port) => ({ ip: '127.0.0.1', port }),
): Promise<FakeWorker> {
  const udp = createSocket('udp4') as UdpSocket & { packets: number };
  udp.packets = 0;
  udp.on('message', () => udp.packets++);
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  const socket = io(`${h.sfu.url}${AGENT_NAMESPACE}`, { transports: ['websocket'], reconnection: false, forceNew: true, auth });
  const worker: FakeWorker = { socket, prepared: [], udp };
  socket.on('prepare', (p: { roomId: string }, ack: (r: unknown) => void) => {
    worker.prepared.push(p.roomId);
    ack({ ok: true, data: reply(udp.address().port) });
  });
  for (const name of ['start', 'routes', 'volume', 'stop', 'tempo', 'instrument']) socket.on(name, (_p: unknown, ack: (r: unknown) => void) => ack({ ok: true, data: {} }));
  socket.on('connect', () => socket.emit('hello', HELLO));
  return worker;
}

/** The code of the handshake's refusal, or 'connected'. */
function outcome(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (err: Error & { data?: { code?: string } }) => resolve(err.data?.code ?? `no code: ${err.message}`));
  });
}

function closeWorker(w: FakeWorker) {
  w.socket.close();
  w.udp.close();
}

describe('the /agent namespace with AGENT_SECRET set', () => {
  let h: Harness;
  let real: FakeWorker;
  before(async () => {
    h = await startHarness({ AGENT_SECRET: SECRET, SFU_AGENT_MAX_WORKERS: '1' });
    real = await fakeWorker(h, { secret: SECRET });
    await waitFor(() => h.sfu.agents.info?.model === HELLO.model);
  });
  after(async () => {
    closeWorker(real);
    await new Promise((r) => setTimeout(r, 300));
    await h.close();
  });

  test('impostors are refused with a code and the connected worker stays, even with the right secret', async () => {
    const attempts: Array<[string, Record<string, unknown>]> = [
      ['no secret', {}],
      ['a wrong secret', { secret: 'not-the-secret-but-long-enough' }],
      ['a prefix of the secret', { secret: SECRET.slice(0, -1) }],
      ['a non-string secret', { secret: { toString: SECRET } }],
    ];
    for (const [what, auth] of attempts) {
      const impostor = await fakeWorker(h, auth);
      assert.equal(await outcome(impostor.socket), 'agent_unauthorised', what);
      closeWorker(impostor);
    }
    // With the pool full (SFU_AGENT_MAX_WORKERS=1), a second worker that knows the secret does not take over the one connected.
    const second = await fakeWorker(h, { secret: SECRET }, () => ({ port: 9 }));
    assert.equal(await outcome(second.socket), 'agent_busy');
    closeWorker(second);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(real.socket.connected, true, 'the worker is still connected');
    assert.equal(h.sfu.agents.info?.model, HELLO.model);

    // A second hello on the worker's own connection changes nothing either.
    real.socket.emit('hello', { ...HELLO, model: 'other 2' });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(h.sfu.agents.info?.model, HELLO.model);
  });

  test("the room's audio goes to the SFU's configured agent address, not to one the worker names", async () => {
    // Replaced by a worker that asks for the room's audio at another host.
    closeWorker(real);
    await waitFor(() => h.sfu.agents.info === undefined);
    real = await fakeWorker(h, { secret: SECRET }, (port) => ({ ip: '192.0.2.1', port }));
    await waitFor(() => h.sfu.agents.info !== undefined);

    const { id } = await createRoom(h.sfu, 'Heard by the AI');
    const host = await connect(h.sfu);
    await joinRoom(host, id, 'Hana');
    const room = h.sfu.registry.get(id)!;
    const mia = new Peer('mia', 'Mia', 'musician', room.rtpCapabilities);
    room.join(mia);
    const micIn = await plainProducer(room, mia, 777, 'mic');
    const ai = await askOk<AiRoomState>(host, 'addAiPlayer', { instrument: 'bass' });
    assert.deepEqual(real.prepared, [id]);
    const mic = createSocket('udp4');
    for (let i = 0; i < 20; i++) mic.send(rtp(777, i), micIn.port, '127.0.0.1');
    await waitFor(() => real.udp.packets >= 10);
    mic.close();
    // Empty the room before the database closes (PostgreSQL would wait for the room's last writes).
    await askOk(host, 'removeAiPlayer', { playerId: ai.players[0]!.id });
    room.leave(mia.id);
    await askOk(host, 'leave', {});
    host.close();
  });
});

test('without AGENT_SECRET the SFU admits no worker, not even from loopback', async () => {
  const h = await startHarness();
  const local = await fakeWorker(h, {});
  try {
    assert.equal(await outcome(local.socket), 'agent_unauthorised');
    assert.equal(h.sfu.agents.info, undefined);
  } finally {
    closeWorker(local);
    await h.close();
  }
});

function rtp(ssrc: number, seq: number): Buffer {
  const b = Buffer.alloc(12 + 20);
  b[0] = 0x80;
  b[1] = 111;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE((seq * 480) >>> 0, 4);
  b.writeUInt32BE(ssrc, 8);
  return b;
}

