import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { types } from 'mediasoup';
import type { AiMetrics, AiRoomState } from '@bandmate/shared';
import type { Room } from '../rooms/room.ts';

/** What the SFU's metrics read at each scrape: live state, never a copy of it. */
export interface SfuMetricsSources {
  rooms: () => Room[];
  /** The AI players of each live room (AiBand.state). */
  aiStates: () => AiRoomState[];
  mediasoupWorkers: () => types.Worker[];
  /** The inference pool: workers connected, AI players placed on them, their seats. */
  aiPool: () => { workers: number; players: number; capacity: number };
  /** Rooms being recorded now, and recordings being saved. */
  recordings: () => { active: number; saving: number };
  /** Browsers connected here whose room runs on another SFU node (signalling/node-relay.ts). */
  relayedConnections: () => number;
  /** Rooms of other nodes whose listeners this node serves (edge/edge-rooms.ts). */
  edges: () => { rooms: number; listeners: number; streams: number; consumers: number };
  /** Pipes open from this node's rooms to edges (edge/pipe-server.ts). */
  pipes: () => number;
  /** Listeners of this node's rooms placed on other nodes, which serve their media (edge/edge-placement.ts). */
  placedListeners: () => number;
}

/**
 * The SFU's Prometheus metrics: the process (prom-client's defaults: CPU, memory, event-loop lag,
 * handles), the rooms and their media, the AI players as the worker reports them, the mediasoup
 * workers' CPU, recordings, and errors answered by code. Gauges are read from the live objects at
 * scrape time, so nothing here can drift from what the SFU holds.
 */
export class SfuMetrics {
  readonly registry = new Registry();
  /** Errors answered on signalling, by code: `internal` ones are our bugs, `unavailable` an outage. */
  readonly errors: Counter<'code' | 'via'>;
  /** HTTP answers by status (the API, recordings, health, metrics). */
  readonly httpResponses: Counter<'status'>;
  /** Recordings finished, by outcome (`ready`, `failed`). */
  readonly recordingsSaved: Counter<'status'>;

  constructor(sources: SfuMetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'bandmate_sfu_' });
    this.errors = new Counter({ name: 'bandmate_errors_total', help: 'Errors answered to clients, by code and by path (signalling).', labelNames: ['code', 'via'], registers });
    this.httpResponses = new Counter({ name: 'bandmate_http_responses_total', help: 'HTTP answers, by status.', labelNames: ['status'], registers });
    this.recordingsSaved = new Counter({ name: 'bandmate_recordings_saved_total', help: 'Recordings finished, by outcome.', labelNames: ['status'], registers });

    new Gauge({
      name: 'bandmate_relayed_connections',
      help: 'Browsers connected to this node whose room runs on another SFU node: their signalling is relayed there.',
      registers,
      collect() {
        this.set(sources.relayedConnections());
      },
    });
    const edgeGauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    edgeGauge('bandmate_edge_rooms', 'Rooms of other SFU nodes whose listeners this node serves, each piped here once.', () => sources.edges().rooms);
    edgeGauge('bandmate_edge_listeners', 'Listeners served here for rooms of other SFU nodes.', () => sources.edges().listeners);
    edgeGauge('bandmate_edge_streams', 'Streams piped here from other SFU nodes.', () => sources.edges().streams);
    edgeGauge('bandmate_edge_consumers', 'Streams forwarded here to listeners of rooms of other SFU nodes.', () => sources.edges().consumers);
    edgeGauge('bandmate_pipes', 'Pipes open from this node’s rooms to other SFU nodes serving their listeners.', sources.pipes);
    edgeGauge('bandmate_placed_listeners', 'Listeners of this node’s rooms placed on other SFU nodes, which serve their media.', sources.placedListeners);
    new Gauge({
      name: 'bandmate_arrival_lateness_ms',
      help: 'How late each musician’s packets reached this SFU over the last minute (above the stream’s least transit), by peer: p99 and max. Only with SFU_ARRIVAL_STATS=true.',
      labelNames: ['peer', 'stat'],
      registers,
      collect() {
        this.reset();
        for (const room of sources.rooms()) {
          for (const { peerId, lateness } of room.arrivals.values()) {
            const stats = lateness.stats();
            if (!stats) continue;
            this.set({ peer: peerId, stat: 'p99' }, stats.p99Ms);
            this.set({ peer: peerId, stat: 'max' }, stats.maxMs);
          }
        }
      },
    });
    new Gauge({
      name: 'bandmate_rooms',
      help: 'Live rooms (someone in them, or waiting for its people after a restart).',
      registers,
      collect() {
        this.set(sources.rooms().length);
      },
    });
    new Gauge({
      name: 'bandmate_peers',
      help: 'People in live rooms, by role (AI players and the virtual band are not people).',
      labelNames: ['role'],
      registers,
      collect() {
        const byRole = { musician: 0, listener: 0 };
        for (const room of sources.rooms()) for (const peer of room.peers.values()) if (!peer.isAgent) byRole[peer.role]++;
        for (const [role, n] of Object.entries(byRole)) this.set({ role }, n);
      },
    });
    // From each room's router, so the recorder's and the AI link's streams count as well as the peers'.
    // One dump per router per scrape: the three gauges collect at once and share the pending one.
    let dumping: Promise<RouterDump[]> | undefined;
    const routerDumps = () =>
      (dumping ??= Promise.all(sources.rooms().map((room) => room.router.dump().catch(() => undefined) as Promise<RouterDump | undefined>))
        .then((dumps) => dumps.filter((d): d is RouterDump => d !== undefined))
        .finally(() => (dumping = undefined)));
    /** A reported figure summed over every live AI player (0 where a player has not reported it). */
    const sumOverPlayers = (pick: (metrics: AiMetrics) => number | undefined) =>
      sources.aiStates().reduce((n, ai) => n + ai.players.reduce((m, p) => m + (p.metrics ? (pick(p.metrics) ?? 0) : 0), 0), 0);
    const mediaGauge = (name: string, help: string, count: (dump: RouterDump) => number) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          this.set((await routerDumps()).reduce((n, dump) => n + count(dump), 0));
        },
      });
    mediaGauge('bandmate_producers', 'Audio streams sent into the SFU (microphones, AI players, the virtual band).', (d) => d.mapProducerIdConsumerIds.length);
    mediaGauge('bandmate_consumers', 'Audio streams the SFU forwards (to browsers, the AI worker, the recorder).', (d) => d.mapConsumerIdProducerId.length);
    mediaGauge('bandmate_transports', 'WebRTC and plain transports of the live rooms.', (d) => d.transportIds.length);
    new Gauge({
      name: 'bandmate_ai_players',
      help: 'AI players of the live rooms, by state (warming, playing, error, ...).',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        for (const ai of sources.aiStates()) for (const p of ai.players) this.inc({ state: p.state });
      },
    });
    new Gauge({
      name: 'bandmate_ai_step_p99_ms',
      help: "The slowest AI player's model step time (p99 over its recent steps), as the worker reports it.",
      registers,
      collect() {
        this.set(Math.max(0, ...sources.aiStates().flatMap((ai) => ai.players.map((p) => p.metrics?.stepP99Ms ?? 0))));
      },
    });
    new Gauge({
      name: 'bandmate_ai_late_frames',
      help: 'Output frames the AI players had not ready at their send time (silence went out), summed over the live players.',
      registers,
      collect() {
        this.set(sumOverPlayers((m) => m.lateFrames));
      },
    });
    new Gauge({
      name: 'bandmate_ai_packets_sent',
      help: 'RTP packets the live AI players have sent into their rooms (as last reported).',
      registers,
      collect() {
        this.set(sumOverPlayers((m) => m.packetsOut));
      },
    });
    new Gauge({
      name: 'bandmate_ai_worker_connected',
      help: '1 while at least one inference worker is connected.',
      registers,
      collect() {
        this.set(sources.aiPool().workers > 0 ? 1 : 0);
      },
    });
    new Gauge({
      name: 'bandmate_ai_workers',
      help: 'Inference workers in the pool.',
      registers,
      collect() {
        this.set(sources.aiPool().workers);
      },
    });
    new Gauge({
      name: 'bandmate_ai_pool_players',
      help: 'AI players placed on the pool’s workers.',
      registers,
      collect() {
        this.set(sources.aiPool().players);
      },
    });
    new Gauge({
      name: 'bandmate_ai_pool_capacity',
      help: 'AI players the pool’s workers take at most (the sum of their INFERENCE_MAX_PLAYERS).',
      registers,
      collect() {
        this.set(sources.aiPool().capacity);
      },
    });
    new Gauge({
      name: 'bandmate_mediasoup_workers',
      help: 'Live mediasoup workers.',
      registers,
      collect() {
        this.set(sources.mediasoupWorkers().filter((w) => !w.died && !w.closed).length);
      },
    });
    new Gauge({
      name: 'bandmate_mediasoup_worker_cpu_seconds',
      help: 'CPU time (user + system) each mediasoup worker has used.',
      labelNames: ['pid'],
      registers,
      async collect() {
        this.reset();
        for (const w of sources.mediasoupWorkers()) {
          if (w.died || w.closed) continue;
          const usage = await w.getResourceUsage().catch(() => undefined);
          if (usage) this.set({ pid: String(w.pid) }, (usage.ru_utime + usage.ru_stime) / 1000);
        }
      },
    });
    new Gauge({
      name: 'bandmate_recordings',
      help: 'Rooms being recorded now (state="active") and recordings being saved (state="saving").',
      labelNames: ['state'],
      registers,
      collect() {
        const { active, saving } = sources.recordings();
        this.set({ state: 'active' }, active);
        this.set({ state: 'saving' }, saving);
      },
    });
  }
}

/** The parts of mediasoup's router dump counted here (its maps come as arrays of entries). */
interface RouterDump {
  transportIds: string[];
  mapProducerIdConsumerIds: unknown[];
  mapConsumerIdProducerId: unknown[];
}
