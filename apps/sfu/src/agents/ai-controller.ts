import { EventEmitter } from 'node:events';
import { agentPrepareReplySchema, type AiMetrics, type AiState } from '@bandmate/shared';
import type { Logger } from '../logger.ts';
import type { Room } from '../rooms/room.ts';
import { AgentLink } from './agent-link.ts';
import type { AgentHub } from './agent-hub.ts';

interface ControllerEvents {
  state: [state: AiState];
}

/**
 * The AI band member of one room: what the host asked for (on, instrument, volume)
 * and what is running. It re-establishes itself when the worker comes back, so a
 * crash or restart of the worker interrupts only the AI, never the room.
 */
export class AiController extends EventEmitter<ControllerEvents> {
  private desired = { enabled: false, instrument: null as string | null, volume: 0.8 };
  private phase: AiState['state'] = 'stopped';
  private message: string | undefined;
  private metrics: AiMetrics | undefined;
  private link: AgentLink | undefined;
  private transition: Promise<void> = Promise.resolve();
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly room: Room,
    private readonly hub: AgentHub,
    private readonly options: { agentIp: string; listenIp: string; logger: Logger },
  ) {
    super();
    const onConnected = () => {
      if (this.desired.enabled) void this.apply();
      else this.publish();
    };
    const onDisconnected = () => {
      this.teardown();
      if (this.desired.enabled) this.setPhase('error', 'the AI worker stopped; it will rejoin when it restarts');
      else this.publish();
    };
    const onStatus = (s: { roomId: string; state: AiState['state']; message?: string; metrics?: AiMetrics }) => {
      if (s.roomId !== room.id || !this.link) return;
      if (s.metrics) this.metrics = s.metrics;
      this.setPhase(s.state, s.message);
    };
    hub.on('connected', onConnected);
    hub.on('disconnected', onDisconnected);
    hub.on('status', onStatus);
    this.unsubscribe.push(
      () => hub.off('connected', onConnected),
      () => hub.off('disconnected', onDisconnected),
      () => hub.off('status', onStatus),
    );
  }

  get state(): AiState {
    return {
      state: this.phase,
      enabled: this.desired.enabled,
      instrument: this.desired.instrument,
      volume: this.desired.volume,
      instruments: this.hub.info?.instruments ?? [],
      message: this.message,
      peerId: this.link?.aiPeer.id,
      metrics: this.link ? this.metrics : undefined,
    };
  }

  async set(request: { enabled: boolean; instrument?: string; volume?: number }): Promise<AiState> {
    const instruments = this.hub.info?.instruments ?? [];
    if (request.instrument && instruments.length && !instruments.includes(request.instrument)) {
      throw new RangeError(`the AI cannot play "${request.instrument}"; it plays ${instruments.join(', ')}`);
    }
    const instrumentChanged = request.instrument !== undefined && request.instrument !== this.desired.instrument;
    this.desired = {
      enabled: request.enabled,
      instrument: request.instrument ?? this.desired.instrument ?? instruments[0] ?? null,
      volume: request.volume ?? this.desired.volume,
    };
    if (this.link && !instrumentChanged && request.enabled && request.volume !== undefined) {
      await this.hub.command('volume', { roomId: this.room.id, volume: this.desired.volume }).catch(() => {});
    }
    if (instrumentChanged && this.link) this.teardown();
    await this.apply();
    return this.state;
  }

  close(): void {
    for (const off of this.unsubscribe) off();
    this.teardown();
  }

  private apply(): Promise<void> {
    this.transition = this.transition.then(() => (this.desired.enabled ? this.start() : this.stop()));
    return this.transition;
  }

  private async start(): Promise<void> {
    if (this.link || this.room.isClosed) return;
    if (!this.hub.info) {
      this.setPhase('error', 'the AI worker is not running; it will start when the worker connects');
      return;
    }
    this.setPhase('loading');
    try {
      const { port } = agentPrepareReplySchema.parse(await this.hub.command('prepare', { roomId: this.room.id }));
      const instrument = this.desired.instrument ?? this.hub.info.instruments[0]!;
      const link = await AgentLink.open({
        room: this.room,
        // The room's audio goes to the address this SFU is configured with, never one the worker names.
        agent: { ip: this.options.agentIp, port },
        listenIp: this.options.listenIp,
        displayName: `AI · ${instrument}`,
        logger: this.options.logger,
        onStreams: (streams) =>
          void this.hub.command('routes', { roomId: this.room.id, routes: streams.map((s) => ({ ssrc: s.ssrc, payloadType: s.payloadType })) }).catch(() => {}),
      });
      this.link = link;
      const { ssrc, payloadType } = await link.publish();
      await this.hub.command('start', {
        roomId: this.room.id,
        instrument,
        volume: this.desired.volume,
        returnIp: this.options.agentIp,
        returnPort: link.returnPort,
        ssrc,
        payloadType,
        tempo: this.room.metronome.state,
      });
      await this.hub.command('routes', { roomId: this.room.id, routes: link.streams.map((s) => ({ ssrc: s.ssrc, payloadType: s.payloadType })) });
      this.setPhase('warming');
    } catch (err) {
      this.teardown();
      this.setPhase('error', `the AI could not start: ${(err as Error).message}`);
    }
  }

  private async stop(): Promise<void> {
    if (this.link) await this.hub.command('stop', { roomId: this.room.id }).catch(() => {});
    this.teardown();
    this.setPhase('stopped');
  }

  private teardown(): void {
    this.link?.close();
    this.link = undefined;
    this.metrics = undefined;
  }

  private setPhase(phase: AiState['state'], message?: string): void {
    this.phase = phase;
    this.message = message;
    this.publish();
  }

  private publish(): void {
    this.emit('state', this.state);
  }
}
