// The SFU as the soak runs it: exactly main.ts's service, forked with an IPC channel over which the
// soak adds simulated musicians (plain-RTP producers it then feeds with real Opus) and probes the
// process. Nothing here is reachable from the network.
import { randomInt } from 'node:crypto';
import type { types } from 'mediasoup';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/index.ts';
import { createLogger } from '../src/logger.ts';
import { Peer } from '../src/rooms/peer.ts';
import { startSfu } from '../src/server.ts';
import { answerProbes } from './process-probe.ts';

export type SoakSfuRequest = { type: 'musician'; id: number; roomId: string; name: string } | { type: 'stop' };
export interface SimulatedMusician {
  port: number;
  ssrc: number;
  payloadType: number;
}

const PAYLOAD_TYPE = 111;
const config = loadConfig();
const logger = createLogger(config.logLevel);
const db = await openDatabase(config.databaseUrl);
const sfu = await startSfu(config, db, logger);
/** Every simulated musician's producer, for the packets the SFU received and lost. */
const producers = new Set<types.Producer>();

answerProbes(async () => {
  let packets = 0;
  let lost = 0;
  for (const producer of producers) {
    if (producer.closed) continue;
    for (const s of (await producer.getStats().catch(() => [])) as Array<{ packetCount?: number; packetsLost?: number }>) {
      packets += s.packetCount ?? 0;
      lost += s.packetsLost ?? 0;
    }
  }
  const rooms = sfu.registry.liveRooms();
  return { rooms: rooms.length, peers: rooms.reduce((n, r) => n + r.peers.size, 0), agentListeners: sfu.agents.listenerCount('status'), packets, lost };
});

process.on('message', (message: SoakSfuRequest) => {
  if (message.type === 'stop') void stop();
  if (message.type === 'musician') {
    void addMusician(message.roomId, message.name).then(
      (musician) => process.send?.({ type: 'musician', id: message.id, musician }),
      (err: Error) => process.send?.({ type: 'musician', id: message.id, error: err.message }),
    );
  }
});
process.send?.({ type: 'ready', url: sfu.url });

/** A musician of the room whose microphone is a plain-RTP producer the soak sends to. */
async function addMusician(roomId: string, name: string): Promise<SimulatedMusician> {
  const room = sfu.registry.get(roomId);
  if (!room) throw new Error(`room ${roomId} is not live`);
  const transport = await room.router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: true });
  const peer = new Peer(`sim-${randomInt(1e9)}`, name, 'musician', room.rtpCapabilities, true);
  room.join(peer);
  const ssrc = randomInt(1, 2 ** 31);
  const producer = await transport.produce({
    kind: 'audio',
    rtpParameters: {
      codecs: [{ mimeType: 'audio/opus', clockRate: 48000, payloadType: PAYLOAD_TYPE, channels: 2, parameters: { 'sprop-stereo': 1 } }],
      encodings: [{ ssrc }],
    },
    appData: { source: 'mic' },
  });
  room.adopt(peer, producer);
  producers.add(producer);
  producer.observer.once('close', () => {
    producers.delete(producer);
    transport.close();
  });
  return { port: transport.tuple.localPort, ssrc, payloadType: PAYLOAD_TYPE };
}

async function stop(): Promise<void> {
  await sfu.close();
  await db.close();
  process.exit(0);
}
