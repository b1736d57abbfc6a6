import type { types } from 'mediasoup';
import type { Logger } from '../logger.ts';
import type { WorkerPool } from '../media/worker-pool.ts';
import type { RtcListenConfig } from '../rooms/room.ts';
import { EdgeListener, type ListenerPage } from './edge-listener.ts';
import { EdgeRoom } from './edge-room.ts';

export interface EdgeRoomsOptions {
  pool: WorkerPool;
  rtc: RtcListenConfig;
  /** Where the other nodes send this node's pipes (SFU_PIPE_ADDRESS, resolved). */
  pipeIp: string;
  linkToken: () => string;
  logger: Logger;
}

/**
 * This node's edges: the rooms of other nodes it serves listeners of, one pipe per room however
 * many listeners, opened with the first and closed after the last.
 */
export class EdgeRooms {
  private readonly rooms = new Map<string, Promise<EdgeRoom>>();
  private readonly listeners = new Set<EdgeListener>();

  constructor(private readonly options: EdgeRoomsOptions) {}

  /** Serves the media of a listener whose page joined `roomId` on the node at `homeUrl`. */
  async listener(roomId: string, homeUrl: string, rtpCapabilities: types.RtpCapabilities, browser: ListenerPage): Promise<EdgeListener> {
    const room = await this.room(roomId, homeUrl);
    const listener = new EdgeListener(room, rtpCapabilities, browser, this.options.rtc, () => {
      this.listeners.delete(listener);
      if (![...this.listeners].some((l) => l.room === room)) room.close('its last listener here left');
    });
    this.listeners.add(listener);
    return listener;
  }

  load(): { rooms: number; listeners: number; streams: number; consumers: number } {
    const rooms = new Set([...this.listeners].map((l) => l.room));
    return {
      rooms: rooms.size,
      listeners: this.listeners.size,
      streams: [...rooms].reduce((n, r) => n + r.streamCount, 0),
      consumers: [...this.listeners].reduce((n, l) => n + l.consumerCount, 0),
    };
  }

  /** The room's pipe from its node at `homeUrl`: the one open, or a new one (after a move, the old one closed). */
  private async room(roomId: string, homeUrl: string): Promise<EdgeRoom> {
    const key = `${roomId} ${homeUrl}`;
    for (;;) {
      const pending = this.rooms.get(key);
      if (!pending) return this.openRoom(key, roomId, homeUrl);
      const room = await pending.catch(() => undefined);
      if (room && !room.isClosed) return room;
      if (this.rooms.get(key) === pending) this.rooms.delete(key);
    }
  }

  private openRoom(key: string, roomId: string, homeUrl: string): Promise<EdgeRoom> {
    const opening = (async () => {
      const room = await EdgeRoom.open({
        roomId,
        homeUrl,
        linkToken: this.options.linkToken,
        worker: await this.options.pool.pickLive(),
        rtc: this.options.rtc,
        pipeIp: this.options.pipeIp,
        logger: this.options.logger,
      });
      room.once('close', () => {
        if (this.rooms.get(key) === opening) this.rooms.delete(key);
      });
      return room;
    })();
    this.rooms.set(key, opening);
    opening.catch(() => {
      if (this.rooms.get(key) === opening) this.rooms.delete(key);
    });
    return opening;
  }
}
