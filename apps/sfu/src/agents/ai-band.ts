import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import {
  AI_PLAYERS_MAX,
  AI_VOLUME_DEFAULT,
  SignalRequestError,
  type AgentStatus,
  type AiLineup,
  type AiRoomState,
  type TempoState,
} from '@bandmate/shared';
import { serverNow } from '../metronome/server-clock.ts';
import type { Room } from '../rooms/room.ts';
import type { AgentHub } from './agent-hub.ts';
import { AiPlayer, type AiPlayerOptions } from './ai-player.ts';
import { playerKeyOf } from './worker-pool.ts';

interface BandEvents {
  state: [state: AiRoomState];
}

/**
 * A room's AI players (its rhythm section). Created when the room opens and closed with it:
 * it owns its players, its listeners on the worker hub and on the room's metronome, and
 * forwards every change of the metronome's grid to the worker while any player runs.
 */
export class AiBand extends EventEmitter<BandEvents> {
  private readonly players = new Map<string, AiPlayer>();
  private readonly unsubscribe: Array<() => void> = [];
  private closed = false;
  /** Players to add once a worker connects (a demo room or a resumed session, opened before the worker was up). */
  private whenConnected: (() => Promise<unknown>) | undefined;

  constructor(
    private readonly room: Room,
    private readonly hub: AgentHub,
    private readonly options: AiPlayerOptions & { maxPlayers?: number },
  ) {
    super();
    const onConnected = () => {
      for (const p of this.players.values()) void p.start();
      this.publish();
      const next = this.whenConnected;
      this.whenConnected = undefined;
      if (next) void next().catch((err: Error) => this.options.logger.warn({ err: err.message, roomId: room.id }, 'AI players could not be added'));
    };
    const onDisconnected = (lost: string[]) => {
      const gone = new Set(lost);
      for (const p of this.players.values()) {
        if (!gone.has(playerKeyOf({ roomId: room.id, playerId: p.id }))) continue;
        p.workerLost(this.hub.info !== undefined);
        // Another worker takes it over at once (a new one connecting starts the rest).
        if (this.hub.info) void p.start();
      }
      this.publish();
    };
    const onStatus = (s: AgentStatus) => {
      if (s.roomId === room.id) this.players.get(s.playerId)?.onStatus(s);
    };
    // Players that lost their worker while every other was full start on the first free seat.
    const onSeatFreed = () => {
      for (const p of this.players.values()) if (p.waitingForSeat && !p.running) void p.start();
    };
    const onTempo = (tempo: TempoState) => this.sendTempo(tempo);
    const onMoved = () => {
      for (const p of this.players.values()) void p.restart();
    };
    hub.on('connected', onConnected);
    hub.on('disconnected', onDisconnected);
    hub.on('status', onStatus);
    hub.on('seatFreed', onSeatFreed);
    room.metronome.on('change', onTempo);
    room.on('moved', onMoved);
    this.unsubscribe.push(
      () => room.off('moved', onMoved),
      () => hub.off('connected', onConnected),
      () => hub.off('disconnected', onDisconnected),
      () => hub.off('status', onStatus),
      () => hub.off('seatFreed', onSeatFreed),
      () => room.metronome.off('change', onTempo),
    );
    room.once('close', () => this.close());
  }

  get maxPlayers(): number {
    return this.options.maxPlayers ?? AI_PLAYERS_MAX;
  }

  get state(): AiRoomState {
    return {
      players: [...this.players.values()].map((p) => p.state),
      instruments: this.hub.info?.instruments ?? [],
      maxPlayers: this.maxPlayers,
      workerConnected: this.hub.info !== undefined,
    };
  }

  /**
   * Adds a player; it joins the room as its own peer with its own track, on the least-loaded
   * worker that plays its instrument (a full pool refuses with ai_pool_full, and no player is added).
   */
  async add(request: { instrument: string; volume?: number }): Promise<AiRoomState> {
    if (this.closed) throw new SignalRequestError('not_found', 'the room has closed');
    if (this.players.size >= this.maxPlayers) {
      throw new SignalRequestError('ai_players_full', `a room has at most ${this.maxPlayers} AI players; remove one first`);
    }
    this.checkInstrument(request.instrument);
    const id = `p${randomBytes(4).toString('hex')}`;
    this.hub.place({ roomId: this.room.id, playerId: id }, request.instrument);
    const player = new AiPlayer(id, request.instrument, request.volume ?? AI_VOLUME_DEFAULT, this.room, this.hub, this.options);
    player.on('changed', () => this.publish());
    player.on('started', () => this.sendTempo(this.room.metronome.state));
    this.players.set(id, player);
    this.publish();
    await player.start();
    return this.state;
  }

  /**
   * Adds a player for each of `preferred` the model plays (at least one player, on the model's
   * first instrument, if it plays none of them); without a worker, as soon as one connects.
   */
  async addWhenReady(preferred: string[]): Promise<AiRoomState> {
    const instruments = this.hub.info?.instruments;
    if (!instruments) {
      this.whenConnected = () => this.addWhenReady(preferred);
      return this.state;
    }
    const playable = preferred.filter((i) => instruments.includes(i));
    for (const instrument of playable.length ? playable : instruments.slice(0, 1)) {
      if (this.players.size < this.maxPlayers) await this.add({ instrument });
    }
    return this.state;
  }

  /**
   * Plays a session's lineup again (after an SFU restart): each player the model still plays, at
   * its volume; without a worker, as soon as one connects.
   */
  async restore(lineup: AiLineup): Promise<AiRoomState> {
    const instruments = this.hub.info?.instruments;
    if (!instruments) {
      this.whenConnected = () => this.restore(lineup);
      return this.state;
    }
    for (const p of lineup) {
      if (instruments.includes(p.instrument) && this.players.size < this.maxPlayers) await this.add(p);
    }
    return this.state;
  }

  /** The players as the host set them up, in order (what a restart brings back). */
  get lineup(): AiLineup {
    return [...this.players.values()].map((p) => ({ instrument: p.state.instrument, volume: p.state.volume }));
  }

  async change(request: { playerId: string; instrument?: string; volume?: number }): Promise<AiRoomState> {
    const player = this.player(request.playerId);
    if (request.instrument !== undefined) this.checkInstrument(request.instrument);
    if (request.volume !== undefined) await player.setVolume(request.volume);
    if (request.instrument !== undefined) await player.setInstrument(request.instrument);
    return this.state;
  }

  async remove(playerId: string): Promise<AiRoomState> {
    const player = this.player(playerId);
    this.players.delete(playerId);
    await player.remove();
    player.removeAllListeners();
    this.publish();
    return this.state;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.unsubscribe) off();
    for (const p of this.players.values()) {
      // The worker drops the room's players too when their RTP stops; tell it now so the streams go at once.
      if (p.running) void this.hub.command('stop', { roomId: this.room.id, playerId: p.id }).catch(() => {});
      p.close();
      p.removeAllListeners();
    }
    this.players.clear();
  }

  private player(playerId: string): AiPlayer {
    const player = this.players.get(playerId);
    if (!player) throw new SignalRequestError('not_found', `no AI player ${playerId} in this room`);
    return player;
  }

  private checkInstrument(instrument: string): void {
    const instruments = this.hub.info?.instruments;
    if (!instruments) throw new SignalRequestError('ai_unavailable', 'the AI worker is not running; try again when it is');
    if (!instruments.includes(instrument)) {
      throw new SignalRequestError('ai_instrument_unavailable', `the AI cannot play "${instrument}"; it plays ${instruments.join(', ')}`);
    }
  }

  private sendTempo(tempo: TempoState): void {
    if (this.closed || !this.hub.info || ![...this.players.values()].some((p) => p.running)) return;
    void this.hub.tempo({ roomId: this.room.id, tempo, serverNow: serverNow() }).catch(() => {});
  }

  private publish(): void {
    if (!this.closed) this.emit('state', this.state);
  }
}
