import { EventEmitter } from 'node:events';
import { type AgentStatus, type AiMetrics, type AiPlayer as AiPlayerState } from '@bandmate/shared';
import type { Logger } from '../logger.ts';
import type { Room } from '../rooms/room.ts';
import { AgentLink } from './agent-link.ts';
import type { AgentHub } from './agent-hub.ts';

interface PlayerEvents {
  /** Its state changed (phase, instrument, volume, metrics). */
  changed: [];
  /** It is playing now: the room's grid should reach the worker for it. */
  started: [];
}

export interface AiPlayerOptions {
  /** Where this SFU takes the workers' RTP (SFU_AGENT_IP) and where they send it (SFU_AGENT_ANNOUNCED_ADDRESS). */
  listenIp: string;
  announcedIp: string;
  logger: Logger;
}

/**
 * One AI player of a room (the drummer, the bassist, …): what the host asked for and what
 * runs on the worker for it, its own AI peer and track in the room. It starts again by
 * itself when the worker comes back, so a worker restart interrupts only the AI.
 */
export class AiPlayer extends EventEmitter<PlayerEvents> {
  private phase: AiPlayerState['state'] = 'stopped';
  private message: string | undefined;
  private metrics: AiMetrics | undefined;
  private link: AgentLink | undefined;
  private transition: Promise<void> = Promise.resolve();
  private removed = false;
  /** It could not start because every worker that plays its instrument was full. */
  waitingForSeat = false;

  constructor(
    readonly id: string,
    private instrument: string,
    private volume: number,
    private readonly room: Room,
    private readonly hub: AgentHub,
    private readonly options: AiPlayerOptions,
  ) {
    super();
  }

  get state(): AiPlayerState {
    return {
      id: this.id,
      instrument: this.instrument,
      volume: this.volume,
      state: this.phase,
      message: this.message,
      peerId: this.link?.aiPeer.id,
      metrics: this.link ? this.metrics : undefined,
    };
  }

  /** Whether the worker runs this player now (it has a track in the room). */
  get running(): boolean {
    return this.link !== undefined;
  }

  start(): Promise<void> {
    return this.queue(() => this.open());
  }

  /** Another instrument: the worker swaps the player's engine stream; its track and peer stay. */
  setInstrument(instrument: string): Promise<void> {
    if (instrument === this.instrument) return Promise.resolve();
    this.instrument = instrument;
    this.changed();
    return this.queue(async () => {
      if (!this.link) return this.open();
      // Its worker does not play that instrument (a pool of different models): it moves to one that does.
      if (!this.hub.runsOn(this.key, instrument)) {
        this.teardown();
        return this.open();
      }
      const peer = this.link.aiPeer;
      peer.displayName = displayName(instrument);
      this.room.announce(peer);
      try {
        await this.hub.command('instrument', { roomId: this.room.id, playerId: this.id, instrument });
      } catch (err) {
        this.setPhase('error', `the AI could not switch to ${instrument}: ${(err as Error).message}`);
      }
    });
  }

  async setVolume(volume: number): Promise<void> {
    this.volume = volume;
    this.changed();
    if (this.link) await this.hub.command('volume', { roomId: this.room.id, playerId: this.id, volume }).catch(() => {});
  }

  /** The host removed it: the worker stops it and its track leaves the room. */
  remove(): Promise<void> {
    this.removed = true;
    return this.queue(async () => {
      if (this.link) await this.hub.command('stop', { roomId: this.room.id, playerId: this.id }).catch(() => {});
      this.teardown();
    });
  }

  /**
   * The room moved to another router: the player's link went with the old one, so it opens a new
   * one (the worker's `prepare` replaces what ran for it), and its track comes back.
   */
  restart(): Promise<void> {
    return this.queue(async () => {
      if (!this.link || this.removed) return;
      this.teardown();
      await this.open();
    });
  }

  /** Its worker is gone: the track leaves; the player moves to another worker, or waits for the next one. */
  workerLost(othersLeft: boolean): void {
    this.teardown();
    this.setPhase('error', othersLeft ? 'its AI worker stopped; moving to another' : 'the AI worker stopped; it will rejoin when it restarts');
  }

  onStatus(status: AgentStatus): void {
    if (!this.link) return;
    if (status.metrics) this.metrics = status.metrics;
    this.setPhase(status.state, status.message);
  }

  /** The room closed: its peer and transports went with the router; nothing reaches the worker any more. */
  close(): void {
    this.removed = true;
    this.teardown();
  }

  private queue(step: () => Promise<void>): Promise<void> {
    this.transition = this.transition.then(step);
    return this.transition;
  }

  private get key(): { roomId: string; playerId: string } {
    return { roomId: this.room.id, playerId: this.id };
  }

  private async open(): Promise<void> {
    if (this.link || this.removed || this.room.isClosed) return;
    if (!this.hub.info) {
      this.setPhase('error', 'the AI worker is not running; this player starts when it connects');
      return;
    }
    const key = this.key;
    try {
      this.hub.place(key, this.instrument);
      this.waitingForSeat = false;
    } catch (err) {
      this.waitingForSeat = (err as { code?: string }).code === 'ai_pool_full';
      this.setPhase('error', this.waitingForSeat ? `${(err as Error).message}; it starts when a seat frees` : (err as Error).message);
      return;
    }
    this.setPhase('loading');
    try {
      const { port } = await this.hub.command('prepare', key);
      const link = await AgentLink.open({
        room: this.room,
        // The room's audio goes to the worker's own address (AgentHub.mediaAddressOf), never one it merely names.
        agent: { ip: this.hub.mediaAddressOf(key) ?? this.options.announcedIp, port },
        listenIp: this.options.listenIp,
        displayName: displayName(this.instrument),
        logger: this.options.logger,
        onStreams: (streams) =>
          void this.hub.command('routes', { ...key, routes: streams.map((s) => ({ ssrc: s.ssrc, payloadType: s.payloadType })) }).catch(() => {}),
      });
      this.link = link;
      if (this.removed || this.room.isClosed) return this.teardown();
      const { ssrc, payloadType } = await link.publish();
      await this.hub.command('start', {
        ...key,
        instrument: this.instrument,
        volume: this.volume,
        returnIp: this.options.announcedIp,
        returnPort: link.returnPort,
        ssrc,
        payloadType,
      });
      await this.hub.command('routes', { ...key, routes: link.streams.map((s) => ({ ssrc: s.ssrc, payloadType: s.payloadType })) });
      // The worker may have reported 'playing' already while the commands above were answered.
      if (this.phase === 'loading') this.setPhase('warming');
      this.emit('started');
    } catch (err) {
      this.teardown();
      this.setPhase('error', `the AI could not start: ${(err as Error).message}`);
    }
  }

  private teardown(): void {
    this.link?.close();
    this.link = undefined;
    this.hub.unplace(this.key);
    this.metrics = undefined;
    if (this.removed) this.phase = 'stopped';
  }

  private setPhase(phase: AiPlayerState['state'], message?: string): void {
    this.phase = phase;
    this.message = message;
    this.changed();
  }

  private changed(): void {
    this.emit('changed');
  }
}

export function displayName(instrument: string): string {
  return `AI · ${instrument}`;
}
