import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { types } from 'mediasoup';
import type { ProducerInfo, RecordingTrackKind } from '@bandmate/shared';
import { parseRtp } from '@bandmate/media/rtp';
import type { Logger } from '../logger.ts';
import type { Room } from '../rooms/room.ts';
import { StreamReceiver } from './stream-receiver.ts';
import { TimelineTrack } from './timeline-track.ts';
import type { WavFormat } from './wav-file-writer.ts';

/**
 * The recording folder's list of streams (file, kind, label), rewritten as each stream starts:
 * what a restarted server needs to save a recording a crash cut short (recording-salvage.ts).
 */
export const STREAMS_MANIFEST = 'streams.json';

/** Room for ~8 s of ten streams' packets while the event loop is busy. */
const RECV_BUFFER_BYTES = 4 * 1024 * 1024;

export interface RoomRecorderOptions {
  room: Room;
  /** The recording's own folder (exists, empty). */
  dir: string;
  /** Address of the plain transport and of the recorder's UDP socket (loopback). */
  listenIp: string;
  format: WavFormat;
  /** Streams recorded at most (each a file and a consumer). */
  maxStreams: number;
  /** The timeline's length limit, in frames. */
  maxFrames: number;
  reorderDelayMs: number;
  settleMs: number;
  logger: Logger;
}

export interface RecordedStem {
  kind: Exclude<RecordingTrackKind, 'mix'>;
  label: string;
  file: string;
  frames: number;
  /** Frames of real audio (the rest is silence: before joining, after leaving, losses). */
  audioFrames: number;
}

export interface RecorderResult {
  totalFrames: number;
  stems: RecordedStem[];
  /** Stems that could not be written, with why. */
  lost: Array<{ label: string; error: string }>;
  /** Stems that end early because a write failed (the disk filled up): kept up to there. */
  cut: Array<{ label: string; error: string }>;
}

interface RecordedStream {
  producerId: string;
  kind: RecordedStem['kind'];
  label: string;
  consumer?: types.Consumer;
  receiver: StreamReceiver;
  payloadType: number;
}

/**
 * Records one room: every producer in it (musicians' microphones and the AI) is consumed on one
 * plain transport towards a UDP socket of our own, and each stream goes through its own
 * StreamReceiver into its own timeline file. Producers that appear while recording are picked
 * up; a producer that goes away leaves its file open, to be padded to the end at stop.
 * Everything here catches its own errors: a recorder in trouble never disturbs the room.
 */
export class RoomRecorder {
  /** Local clock (performance.now()) of the timeline's frame 0. */
  readonly originMs: number;
  private readonly streams = new Map<string, RecordedStream>();
  private readonly bySsrc = new Map<number, RecordedStream>();
  private readonly pending = new Set<string>();
  private readonly labels = new Map<string, number>();
  private stopped = false;
  private fileCounter = 0;
  private readonly manifest: Array<{ file: string; kind: RecordedStream['kind']; label: string }> = [];
  private manifestWrites: Promise<void> = Promise.resolve();
  private readonly onNewProducer = (p: ProducerInfo) => void this.follow(p);
  private readonly onProducerClosed = (p: ProducerInfo) => this.unfollow(p.producerId);

  private constructor(
    private readonly options: RoomRecorderOptions,
    private readonly transport: types.PlainTransport,
    private readonly socket: Socket,
  ) {
    this.originMs = performance.now();
  }

  static async start(options: RoomRecorderOptions): Promise<RoomRecorder> {
    const { room, listenIp } = options;
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, listenIp, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    let transport: types.PlainTransport;
    try {
      // We know where our socket is, so no comedia; RTCP rides on the same port.
      transport = await room.router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: listenIp }, rtcpMux: true, comedia: false });
      await transport.connect({ ip: listenIp, port: socket.address().port });
    } catch (err) {
      socket.close();
      throw err;
    }
    // A busy moment of this process lets the packets of every stream pile up in this one socket:
    // the default buffer (~90 small datagrams on Linux) would overflow within a second with two
    // streams. The kernel caps the request at net.core.rmem_max.
    try {
      socket.setRecvBufferSize(RECV_BUFFER_BYTES);
    } catch {
      /* kept at the system default */
    }
    const got = socket.getRecvBufferSize();
    if (got < RECV_BUFFER_BYTES) {
      options.logger.warn({ bytes: got, wanted: RECV_BUFFER_BYTES }, 'recorder socket buffer is small (raise net.core.rmem_max): a long stall can lose packets');
    }
    const recorder = new RoomRecorder(options, transport, socket);
    socket.on('message', (msg, rinfo) => recorder.receive(msg, rinfo));
    socket.on('error', (err) => options.logger.warn({ err }, 'recorder socket error'));
    room.on('newProducer', recorder.onNewProducer);
    room.on('producerClosed', recorder.onProducerClosed);
    for (const p of room.producerInfos()) await recorder.follow(p);
    return recorder;
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /** Per-stream counters, for logs and tests. */
  stats(): Array<{ label: string; kind: string } & StreamReceiver['stats']> {
    return [...this.streams.values()].map((s) => ({ label: s.label, kind: s.kind, ...s.receiver.stats }));
  }

  /**
   * Stops receiving and finishes every file at `endMs` (local clock): each ends exactly at the
   * recording's length. Files that failed are deleted and reported in `lost`.
   */
  async stop(endMs = performance.now()): Promise<RecorderResult> {
    this.shutDown();
    const totalFrames = Math.min(this.options.maxFrames, Math.max(0, Math.round(((endMs - this.originMs) * this.options.format.sampleRate) / 1000)));
    const stems: RecordedStem[] = [];
    const lost: RecorderResult['lost'] = [];
    const cut: RecorderResult['cut'] = [];
    for (const s of this.streams.values()) {
      s.receiver.flush();
      try {
        const frames = await s.receiver.track.finish(totalFrames);
        const failed = s.receiver.track.failed;
        if (failed) cut.push({ label: s.label, error: failed.message });
        if (frames === 0) {
          await s.receiver.track.discard();
          continue;
        }
        stems.push({ kind: s.kind, label: s.label, file: path.basename(s.receiver.track.file), frames, audioFrames: s.receiver.track.audioFrames });
      } catch (err) {
        this.options.logger.error({ err, label: s.label }, 'a recorded stream could not be saved');
        lost.push({ label: s.label, error: (err as Error).message });
        await s.receiver.track.discard();
      }
    }
    this.options.logger.info({ streams: this.stats(), totalFrames }, 'recorder stopped');
    return { totalFrames, stems, lost, cut };
  }

  /** The first write error of any stream (a full disk, a disk too slow), if one failed. */
  writeFailure(): Error | undefined {
    for (const s of this.streams.values()) if (s.receiver.track.failed) return s.receiver.track.failed;
    return undefined;
  }

  /** Stops and deletes every file (the recording failed). */
  async abort(): Promise<void> {
    this.shutDown();
    await Promise.all([...this.streams.values()].map((s) => s.receiver.track.discard()));
  }

  private shutDown(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.options.room.off('newProducer', this.onNewProducer);
    this.options.room.off('producerClosed', this.onProducerClosed);
    // Closing the transport closes its consumers in the worker (a no-op if the room has closed).
    this.transport.close();
    this.socket.close();
  }

  private receive(msg: Buffer, rinfo: RemoteInfo): void {
    // Only the router's transport may feed the recorder, not any local process.
    if (this.stopped || rinfo.port !== this.transport.tuple.localPort) return;
    const packet = parseRtp(msg);
    if (!packet) return;
    const stream = this.bySsrc.get(packet.ssrc);
    if (!stream || packet.payloadType !== stream.payloadType) return;
    try {
      stream.receiver.push(packet, performance.now());
    } catch (err) {
      this.options.logger.error({ err, label: stream.label }, 'recorder could not write a stream');
    }
  }

  /** Rewrites the manifest (in order, atomically: a crash leaves the last whole list). */
  private noteStream(entry: { file: string; kind: RecordedStream['kind']; label: string }): void {
    this.manifest.push(entry);
    const text = JSON.stringify(this.manifest);
    const file = path.join(this.options.dir, STREAMS_MANIFEST);
    this.manifestWrites = this.manifestWrites
      .then(async () => {
        await writeFile(`${file}.tmp`, text);
        await rename(`${file}.tmp`, file);
      })
      .catch((err) => this.options.logger.warn({ err }, 'could not write the recording manifest'));
  }

  private async follow(info: ProducerInfo): Promise<void> {
    const { room, logger } = this.options;
    if (this.stopped || info.kind !== 'audio' || this.streams.has(info.producerId) || this.pending.has(info.producerId)) return;
    if (this.streams.size + this.pending.size >= this.options.maxStreams) {
      logger.warn({ producerId: info.producerId, max: this.options.maxStreams }, 'recording has its maximum number of streams; not recording this one');
      return;
    }
    this.pending.add(info.producerId);
    let track: TimelineTrack | undefined;
    try {
      const kind: RecordedStream['kind'] = info.source === 'ai' ? 'ai' : 'participant';
      const label = this.uniqueLabel(room.peers.get(info.peerId)?.displayName ?? (kind === 'ai' ? 'AI' : 'Musician'));
      const file = `${String(++this.fileCounter).padStart(2, '0')}-${kind}.wav`;
      track = await TimelineTrack.create(path.join(this.options.dir, file), this.options.format, this.options.maxFrames);
      if (this.stopped) {
        await track.discard();
        return;
      }
      const consumer = await this.transport.consume({ producerId: info.producerId, rtpCapabilities: room.rtpCapabilities, paused: false });
      const codec = consumer.rtpParameters.codecs[0];
      const ssrc = consumer.rtpParameters.encodings?.[0]?.ssrc;
      if (!codec || codec.mimeType.toLowerCase() !== 'audio/opus' || ssrc === undefined) {
        consumer.close();
        throw new Error(`producer ${info.producerId} is not Opus audio`);
      }
      const stream: RecordedStream = {
        producerId: info.producerId,
        kind,
        label,
        consumer,
        payloadType: codec.payloadType,
        receiver: new StreamReceiver(track, {
          originMs: this.originMs,
          sampleRate: this.options.format.sampleRate,
          reorderDelayMs: this.options.reorderDelayMs,
          settleMs: this.options.settleMs,
        }),
      };
      if (this.stopped) {
        consumer.close();
        await track.discard();
        return;
      }
      this.streams.set(info.producerId, stream);
      this.bySsrc.set(ssrc, stream);
      this.noteStream({ file, kind, label });
      consumer.on('producerclose', () => this.unfollow(info.producerId));
      logger.info({ producerId: info.producerId, label, kind, file }, 'recording a stream');
    } catch (err) {
      logger.error({ err, producerId: info.producerId }, 'could not record a stream');
      await track?.discard();
    } finally {
      this.pending.delete(info.producerId);
    }
  }

  /** The producer is gone: what is buffered is written; the file waits to be padded at stop. */
  private unfollow(producerId: string): void {
    const stream = this.streams.get(producerId);
    if (!stream?.consumer) return;
    try {
      stream.receiver.flush();
    } catch (err) {
      this.options.logger.error({ err, label: stream.label }, 'recorder could not write a stream');
    }
    stream.consumer.close();
    stream.consumer = undefined;
    for (const [ssrc, s] of this.bySsrc) if (s === stream) this.bySsrc.delete(ssrc);
  }

  /** "Ana", then "Ana (2)" for her second microphone or a rejoin. */
  private uniqueLabel(name: string): string {
    const n = (this.labels.get(name) ?? 0) + 1;
    this.labels.set(name, n);
    return n === 1 ? name : `${name} (${n})`;
  }
}
