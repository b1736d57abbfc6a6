import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, requestUrl, send, sendError, unexpectedFailure } from '../http/http-api.ts';
import type { Logger } from '../logger.ts';
import type { Room } from '../rooms/room.ts';
import { RateLimiter } from '../signalling/rate-limiter.ts';
import { RtpPacer } from '@bandmate/media/rtp-pacer';
import { DEMO_LOOP, synthesiseLoop } from './loop-synth.ts';
import { encodeLoop, VirtualMusician, type EncodedLoop } from './virtual-musician.ts';

export interface DemoRoomsOptions {
  createRoom(input: { name: string; visibility: 'unlisted' }): Promise<{ id: string }>;
  listenIp: string;
  /** Demo rooms alive at once (each runs a virtual musician and an AI stream). */
  maxRooms: number;
  /** The client address of a request (behind a trusted proxy, the one it appended). */
  addressOf?: (req: IncomingMessage) => string;
  logger: Logger;
}

const MAX_TRACKED_ADDRESSES = 10_000;

/** The demo's rhythm section, as far as the loaded model plays it. */
export const DEMO_AI_INSTRUMENTS = ['drums', 'bass'];

/** What a demo room needs of the room's AI players (AiBand). */
export interface DemoAi {
  addWhenReady(preferred: string[]): Promise<unknown>;
}

/**
 * "Try it alone": a demo room is an ordinary unlisted room that, while someone is in it, has a
 * virtual musician playing a loop, the metronome running on the loop's beat (so the AI players
 * get its grid) and an AI drummer and bassist playing along.
 */
export class DemoRooms {
  private readonly demoIds = new Set<string>();
  /** Who asked for each demo room: one address holds one at a time, not every slot. */
  private readonly addressOfDemo = new Map<string, string>();
  private readonly playing = new Map<string, VirtualMusician>();
  private readonly limiters = new Map<string, RateLimiter>();
  private loopCache: EncodedLoop | undefined;
  /** Sends every demo band's packets on the room clock; started with the first demo room. */
  private pacer: RtpPacer | undefined;

  constructor(private readonly options: DemoRoomsOptions) {}

  async create(address: string): Promise<{ id: string }> {
    if (this.options.maxRooms === 0) throw new HttpError('demo_off', 'this server has no demo rooms (DEMO_MAX_ROOMS=0)');
    for (const [id, holder] of this.addressOfDemo) {
      if (!this.demoIds.has(id)) this.addressOfDemo.delete(id); // that demo has ended
      else if (holder === address) return { id };
    }
    if (!this.limiter(address).take()) throw new HttpError('rate_limited', 'too many demo rooms from this address; wait a minute');
    if (this.demoIds.size >= this.options.maxRooms) {
      throw new HttpError('demo_busy', `all ${this.options.maxRooms} demo rooms are in use; try again in a few minutes`);
    }
    // One visitor's jam with the virtual band: reachable by its link, never offered to strangers in the lobby.
    const room = await this.options.createRoom({ name: 'Demo jam (virtual band + AI)', visibility: 'unlisted' });
    this.demoIds.add(room.id);
    this.addressOfDemo.set(room.id, address);
    // A demo room nobody opens within a minute stops counting against the limit.
    setTimeout(() => {
      if (!this.playing.has(room.id)) this.demoIds.delete(room.id);
    }, 60_000).unref();
    return room;
  }

  /** Call when a room goes live, with the room's AI players. */
  async roomOpened(room: Room, ai: DemoAi): Promise<void> {
    if (!this.demoIds.has(room.id) || this.playing.has(room.id)) return;
    try {
      await this.startBand(room);
      // The band's transport went with the old router when the room moved: it joins again.
      const onMoved = () => {
        this.playing.get(room.id)?.close();
        if (room.router.closed) return; // a room closing after a failed move: nothing to rejoin
        void this.startBand(room).catch((err) => this.options.logger.error({ err, roomId: room.id }, 'demo band could not rejoin a moved room'));
      };
      room.on('moved', onMoved);
      room.once('close', () => {
        room.off('moved', onMoved);
        this.playing.get(room.id)?.close();
        this.playing.delete(room.id);
        this.demoIds.delete(room.id);
      });
      await ai.addWhenReady(DEMO_AI_INSTRUMENTS);
    } catch (err) {
      this.options.logger.error({ err, roomId: room.id }, 'demo room could not start its virtual band');
    }
  }

  private async startBand(room: Room): Promise<void> {
    this.loopCache ??= encodeLoop(synthesiseLoop());
    this.pacer ??= new RtpPacer();
    await this.pacer.ready;
    const musician = await VirtualMusician.join(room, { listenIp: this.options.listenIp, displayName: 'Demo band', loop: this.loopCache, pacer: this.pacer });
    this.playing.set(room.id, musician);
    // The loop is 4/4 and its first sample is a downbeat; its tempo is exact in samples, so the grid never drifts from it.
    room.metronome.follow({ bpm: DEMO_LOOP.bpm, beatsPerBar: 4, startAt: musician.loopStartServerMs });
  }

  /** Stops the pacer thread (the server is closing; the rooms are closed first). */
  async close(): Promise<void> {
    await this.pacer?.close();
    this.pacer = undefined;
  }

  /** POST /api/demo → 201 { id } */
  readonly httpRoute = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== 'POST' || requestUrl(req).pathname !== '/api/demo') return false;
    try {
      const room = await this.create(this.options.addressOf?.(req) ?? (req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, ''));
      send(res, 201, { id: room.id });
    } catch (err) {
      sendError(res, err instanceof HttpError ? err : unexpectedFailure(err, this.options.logger, { route: 'demo' }, 'could not create a demo room'));
    }
    return true;
  };

  private limiter(address: string): RateLimiter {
    let limiter = this.limiters.get(address);
    if (!limiter) {
      if (this.limiters.size >= MAX_TRACKED_ADDRESSES) this.limiters.clear();
      limiter = new RateLimiter(3 / 60, 3);
      this.limiters.set(address, limiter);
    }
    return limiter;
  }
}
