import { createSocket, type Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import type { TempoState } from '@bandmate/shared';
import type { AccompanimentStream } from '../engine/accompaniment-stream.ts';
import { CausalMixer, type MixSource } from '../engine/causal-mixer.ts';
import { EnginePace } from './engine-pace.ts';
import { LevelFollower } from './level-follower.ts';
import { gridOnStream, type RoomGrid } from './stream-grid.ts';
import { JitterBuffer } from '@bandmate/media/jitter-buffer';
import { FRAME_SAMPLES, OpusFrameDecoder, OpusFrameEncoder } from '@bandmate/media/opus-codec';
import { parseRtp } from '@bandmate/media/rtp';
import { RtpPacer } from '@bandmate/media/rtp-pacer';

const FRAME_MS = 10;

export interface MusicianRoute {
  ssrc: number;
  payloadType: number;
}

export interface AccompanistMetrics {
  ticks: number;
  /** Output frames that were not computed by their send time (sent as silence). */
  lateFrames: number;
  /** Musician frames concealed in the mix. */
  concealedFrames: number;
  /** Computed output frames waiting for their send time. */
  queueDepth: number;
  /** Ticks whose mix was dropped because the engine was behind real time (see processTick). */
  skippedTicks: number;
  packetsIn: number;
  packetsOut: number;
  /** Packets whose payload Opus could not decode (concealed like a lost one). */
  decodeErrors: number;
}

export interface AccompanistOutput {
  stream: AccompanimentStream;
  /** Where the SFU takes the AI's RTP (the AgentLink's return port). */
  sendTo: { ip: string; port: number };
  ssrc: number;
  payloadType: number;
  volume?: number;
}

export type { RoomGrid };

export interface AccompanistOptions {
  /** The worker's jitter buffer delay per musician; |t_f| must exceed it plus compute time. */
  jitterTargetMs?: number;
  listenIp?: string;
  /** Sends the AI's packets on time from its own thread; without one the accompanist starts its own. */
  pacer?: RtpPacer;
}

/**
 * The AI participant's audio loop for one room, on one room clock (this process's
 * monotonic clock, ticking every 10 ms):
 *   RTP in → per-musician jitter buffer → Opus decode → causal mix → engine →
 *   Opus encode → RTP out, sent on the room clock by the pacer thread (rtp-pacer.ts).
 * Output frame m carries the engine's content for room time m − J (J: the jitter
 * buffer delay), so it is sent at tick m − J: content for room time t leaves at t, and
 * listeners hear the AI as aligned with the musicians as the musicians are with each
 * other, offset by the engine's look-back (k − t_f).
 */
export class Accompanist {
  private readonly socket: Socket;
  private readonly routes = new Map<number, { payloadType: number; jitter: JitterBuffer; decoder: OpusFrameDecoder; source: MixSource }>();
  private readonly mixer = new CausalMixer(FRAME_SAMPLES, 2);
  private readonly encoder = new OpusFrameEncoder();
  private readonly jitterFrames: number;
  private readonly pacer: RtpPacer;
  private readonly ownsPacer: boolean;
  private readonly trackId = `ai-${randomInt(0, 2 ** 47).toString(36)}`;
  private readonly listenIp: string;
  private producedFrames = 0;
  /** The tick the current stream's output frame 0 belongs to (a swapped stream starts later). */
  private streamBase = 0;
  /** Bumped when the stream is swapped: answers of the previous stream's pushes are dropped. */
  private generation = 0;
  private grid: RoomGrid | null = null;
  private pendingGrid: { grid: RoomGrid; atLocalMs: number } | undefined;
  private gridSkips = -1;
  readonly level = new LevelFollower();
  private tick = 0;
  private startMs = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private immediate: ReturnType<typeof setImmediate> | undefined;
  private closed = false;
  private failure: Error | undefined;
  private output: AccompanistOutput | undefined;
  volume = 1;
  readonly metrics: AccompanistMetrics = { ticks: 0, lateFrames: 0, concealedFrames: 0, queueDepth: 0, skippedTicks: 0, packetsIn: 0, packetsOut: 0, decodeErrors: 0 };
  /** Pushes given to the engine and not answered yet; how many ticks were not given to it. */
  private readonly pace = new EnginePace();
  private skipped = 0;
  /** How long after its tick a push's output may come back and still be sent on time. */
  private budgetMs = Number.POSITIVE_INFINITY;

  private constructor(options: AccompanistOptions, socket: Socket) {
    this.socket = socket;
    this.jitterFrames = Math.round((options.jitterTargetMs ?? 40) / FRAME_MS);
    this.ownsPacer = !options.pacer;
    this.pacer = options.pacer ?? new RtpPacer();
    this.listenIp = options.listenIp ?? '127.0.0.1';
    socket.on('message', (msg) => this.receive(msg));
  }

  /** Binds the UDP port the SFU will send the musicians to. */
  static async open(options: AccompanistOptions = {}): Promise<Accompanist> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, options.listenIp ?? '127.0.0.1', () => resolve());
    });
    const accompanist = new Accompanist(options, socket);
    // A thread still starting would open the track late, at its current slot: the stream's first
    // frames (a first downbeat) would be dropped.
    await accompanist.pacer.ready;
    return accompanist;
  }

  /** Where the SFU should send the musicians' RTP. */
  get port(): number {
    return this.socket.address().port;
  }

  get error(): Error | undefined {
    return this.failure;
  }

  setRoutes(routes: MusicianRoute[]): void {
    const wanted = new Set(routes.map((r) => r.ssrc));
    for (const ssrc of this.routes.keys()) if (!wanted.has(ssrc)) this.routes.delete(ssrc);
    for (const r of routes) {
      if (this.routes.has(r.ssrc)) continue;
      // Resyncs after 3 packets on a new timeline: a musician whose clock restarted is heard again at once.
      const jitter = new JitterBuffer(FRAME_SAMPLES, 48000, this.jitterFrames * FRAME_MS, 200, 100, 3);
      const decoder = new OpusFrameDecoder();
      const route = {
        payloadType: r.payloadType,
        jitter,
        decoder,
        source: {
          gain: 1,
          nextFrame: () => {
            const payload = jitter.pull(this.tickTime(this.tick));
            if (!payload) return null;
            // What arrives on this port is anyone's: a payload Opus refuses is a lost frame, not a crash of the worker.
            try {
              return decoder.decode(payload);
            } catch {
              this.metrics.decodeErrors++;
              return null;
            }
          },
        },
      };
      this.routes.set(r.ssrc, route);
    }
  }

  /** Starts the room clock and the AI's output. */
  start(output: AccompanistOutput): void {
    this.output = output;
    this.volume = output.volume ?? 1;
    this.startMs = performance.now();
    // Slot n leaves at tick n and carries output frame n + J.
    this.pacer.open({
      id: this.trackId,
      sendTo: output.sendTo,
      listenIp: this.listenIp,
      ssrc: output.ssrc,
      payloadType: output.payloadType,
      startEpochMs: performance.timeOrigin + this.startMs,
      frameMs: FRAME_MS,
      // Exactly one frame per packet, so the jitter buffer at every listener sees a steady stream.
      frameSamples: FRAME_SAMPLES,
      sequence: randomInt(0, 0xffff),
      timestampBase: randomInt(0, 2 ** 31),
      silence: new OpusFrameEncoder().encodeMono(new Float32Array(FRAME_SAMPLES)).slice(),
    });
    // A push's newest output is due D − J after its tick: a queue longer than that can only make late frames.
    this.budgetMs = budgetOf(output.stream, this.jitterFrames);
    this.applyGrid();
    this.pump();
  }

  /**
   * Plays another stream (another instrument) from the next tick on, on the same track: what the
   * old one computed for frames not yet sent still goes out until the new one's output replaces
   * it (its first push answers in one step's compute time), so the switch leaves no gap.
   */
  swapStream(stream: AccompanimentStream): AccompanimentStream {
    const old = this.output!.stream;
    this.output = { ...this.output!, stream };
    // A stream with another t_f (the AI following the measured latency) has its own delay, so its own budget.
    this.budgetMs = budgetOf(stream, this.jitterFrames);
    this.generation++;
    this.streamBase = this.tick;
    this.producedFrames = 0;
    this.skipped = 0;
    this.gridSkips = -1;
    this.level.resetPart();
    this.applyGrid();
    return old;
  }

  /**
   * The room's metronome (null: none), with `serverToLocalMs` mapping its server times to this
   * process's performance.now(). The stream gets it on its own output timeline.
   */
  setGrid(tempo: TempoState | null, serverToLocalMs = 0): void {
    const next = tempo ? { tempo, serverToLocalMs } : null;
    // A change to a running grid takes effect at its new startAt (a bar line ahead); the old grid
    // plays on until the stream computes that moment, D − J before it is sent.
    const switchAtLocal = next?.tempo.running && next.tempo.startAt !== null ? next.tempo.startAt + serverToLocalMs : undefined;
    if (this.grid?.tempo.running && next && switchAtLocal !== undefined && switchAtLocal - this.budgetMs > performance.now()) {
      this.pendingGrid = { grid: next, atLocalMs: switchAtLocal - this.budgetMs };
      return;
    }
    this.pendingGrid = undefined;
    this.grid = next;
    this.gridSkips = -1;
    this.applyGrid();
  }

  /** Whether the stream follows a running metronome now. */
  get onGrid(): boolean {
    return !!this.output?.stream.takesBeatGrid && !!this.grid?.tempo.running;
  }

  /** True once the engine has produced audio (the track is past warming up). */
  get playing(): boolean {
    return this.producedFrames > 0;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.socket.close();
    this.pacer.closeTrack(this.trackId);
    if (this.ownsPacer) void this.pacer.close();
  }

  private tickTime(n: number): number {
    return this.startMs + n * FRAME_MS;
  }

  /**
   * Gives the stream the grid on its own output timeline. Output frame p of the stream is sent at
   * tick streamBase + skipped + p − J and carries the room's content of that moment, so a tick
   * dropped to catch up moves the grid one frame earlier on the stream's timeline.
   */
  private applyGrid(): void {
    const stream = this.output?.stream;
    if (!stream) return;
    this.gridSkips = this.skipped;
    stream.setBeatGrid(
      this.grid
        ? gridOnStream(this.grid, { startMs: this.startMs, firstTick: this.streamBase + this.skipped - this.jitterFrames, frameMs: FRAME_MS, roomRate: stream.roomRate })
        : null,
    );
  }

  private receive(msg: Buffer): void {
    const packet = parseRtp(msg);
    if (!packet) return;
    const route = this.routes.get(packet.ssrc);
    if (!route || packet.payloadType !== route.payloadType) return;
    this.metrics.packetsIn++;
    route.jitter.push(packet, performance.now());
  }

  /**
   * Runs every tick that is due; a late timer catches up instead of drifting. Catching up goes
   * one tick per event-loop turn (setImmediate runs after pending I/O), so packets that arrived
   * during a stall are received before the ticks that need them instead of being concealed.
   */
  private pump(): void {
    if (this.closed) return;
    if (this.tickTime(this.tick) <= performance.now()) this.processTick();
    if (this.tickTime(this.tick) <= performance.now()) this.immediate = setImmediate(() => this.pump());
    else this.timer = setTimeout(() => this.pump(), Math.max(1, this.tickTime(this.tick) - performance.now()));
  }

  private processTick(): void {
    const n = this.tick;
    const concealedBefore = this.mixer.stats.concealed;
    const mix = this.mixer.mix([...this.routes.values()].map((r) => r.source));
    this.metrics.concealedFrames += this.mixer.stats.concealed - concealedBefore;
    this.level.hearMix(mix);
    if (this.pendingGrid && performance.now() >= this.pendingGrid.atLocalMs) {
      this.grid = this.pendingGrid.grid;
      this.pendingGrid = undefined;
      this.gridSkips = -1;
    }
    if (this.pace.behind(performance.now(), this.budgetMs)) {
      // The engine is behind real time (a busy CPU): what it would make from this tick would
      // be late anyway, so the tick's mix is dropped and the engine catches up instead of
      // staying behind for good. Later output keeps its place on the room clock: the engine's
      // own timeline is now one tick shorter, and every push's output is placed by the skips
      // made before it.
      this.skipped++;
      this.metrics.skippedTicks++;
    } else {
      if (this.skipped !== this.gridSkips) this.applyGrid();
      const placedAt = this.streamBase + this.skipped;
      const generation = this.generation;
      this.pace.pushed(performance.now());
      this.output!.stream
        .push(mix)
        .then((out) => {
          if (generation !== this.generation || this.closed) return;
          for (let i = 0; i + FRAME_SAMPLES <= out.length; i += FRAME_SAMPLES) this.hand(placedAt + this.producedFrames++, out.subarray(i, i + FRAME_SAMPLES));
        })
        .catch((err: Error) => {
          if (generation === this.generation) this.failure = err;
        })
        .finally(() => this.pace.answered(performance.now()));
    }
    const sent = this.pacer.stats(this.trackId);
    if (sent) {
      this.metrics.packetsOut = sent.sent;
      this.metrics.lateFrames = sent.late;
      this.metrics.queueDepth = sent.queued;
    }
    this.tick++;
    this.metrics.ticks++;
  }

  /**
   * Output frame `frame` goes out at tick frame − J, from the pacer thread: encoded now, in the
   * order the engine made it. A frame already past its tick is late and not handed over (the
   * pacer sends silence in its slot).
   */
  private hand(frame: number, content: Float32Array): void {
    const slot = frame - this.jitterFrames;
    if (slot < this.tick - 1) return;
    // Only real output is measured by the level follower: silence would lift the gain.
    const payload = this.encoder.encodeMono(this.level.apply(content, this.volume)).slice();
    this.pacer.frame(this.trackId, slot, payload);
  }
}

/** How long after its tick a push's output may come back and still be sent on time: D − J, at least two frames. */
function budgetOf(stream: AccompanimentStream, jitterFrames: number): number {
  const { delayFrames, frameSeconds } = stream.settings;
  return Math.max(2 * FRAME_MS, delayFrames * frameSeconds * 1000 - jitterFrames * FRAME_MS);
}
