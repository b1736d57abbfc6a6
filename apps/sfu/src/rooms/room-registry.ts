import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { SignalRequestError, type AiLineup, type DurableStanding } from '@bandmate/shared';
import type { NodeClaim } from '../db/room-nodes.ts';
import type { InterruptedRoom, InterruptedRoomsOf } from '../db/room-resume.ts';
import type { Logger } from '../logger.ts';
import { mediaCodecs } from '../media/codecs.ts';
import type { WorkerPool } from '../media/worker-pool.ts';
import type { Peer } from './peer.ts';
import { RoomElsewhereError } from './room-elsewhere.ts';
import { Room, type RtcListenConfig } from './room.ts';

/** What the registry needs from persistence; the Prisma store implements it. */
export interface RoomStore {
  getRoom(id: string): Promise<{ id: string; name: string; maxParticipants?: number | null; ownerId?: string | null } | null>;
  closeRoom(id: string): Promise<unknown>;
  /** Room.locked in the record: joins check it. */
  setRoomLocked(id: string, locked: boolean): Promise<unknown>;
  /** Room.hostPeerId: who holds the host role, so a restarted process can hand it back. */
  setRoomHost(id: string, peerId: string | null): Promise<unknown>;
  /** Room.aiLineup: the session's AI players, so a restarted process brings them back. */
  setRoomAiLineup(id: string, lineup: AiLineup | null): Promise<unknown>;
  /** Room.standing: the host's decisions about people, so a restarted process keeps them. */
  setRoomStanding(id: string, standing: DurableStanding | null): Promise<unknown>;
  /** Clears both for a new session. */
  clearSessionRecord(id: string): Promise<unknown>;
  /** The sessions a previous process (or a dead node) left with people inside (RoomResumeRepository). */
  takeInterruptedRooms(node?: InterruptedRoomsOf): Promise<InterruptedRoom[]>;
  /** Makes this node the room's node, or says which live node runs it (RoomNodesRepository). */
  claimRoom(id: string, node: NodeClaim): Promise<{ nodeId: string; url: string | null; alive: boolean } | null>;
  roomNode(id: string, leaseMs: number): Promise<{ nodeId: string; url: string | null; alive: boolean } | null>;
  liveNodes(leaseMs: number): Promise<Array<{ id: string; url: string | null; peers: number; heartbeatAt: Date }>>;
  roomsNotHeldBy(nodeId: string, roomIds: string[]): Promise<string[]>;
}

/** How long a moved room waits for its people to join again before it closes empty. */
const MOVE_GRACE_MS = 60_000;
const MOVE_ATTEMPTS = 5;

interface RegistryEvents {
  roomOpened: [room: Room];
  /** A dead SFU node's room runs here now (its recording there, if any, is left to be recovered). */
  roomTakenOver: [room: Room];
}

/**
 * Live rooms by id. A room record lives in the database forever; its live
 * Room (router and peers) exists only while someone is in it.
 */
export class RoomRegistry extends EventEmitter<RegistryEvents> {
  private readonly rooms = new Map<string, Room>();
  private readonly opening = new Map<string, Promise<Room>>();
  /** Interrupted sessions being opened again here (resumeInterrupted). */
  private readonly resuming = new Map<string, Promise<Room>>();
  /** Close writes still in flight: a room reopened at once waits for its last session to be closed. */
  private readonly closing = new Map<string, Promise<unknown>>();
  /** The same for every router (one codec list); read once from a router. */
  private capabilities: types.RtpCapabilities | undefined;

  constructor(
    private readonly pool: WorkerPool,
    private readonly store: RoomStore,
    private readonly options: {
      rtc: RtcListenConfig;
      maxPeersPerRoom: number;
      maxPeersPerAccount: number;
      logger: Logger;
      moveGraceMs?: number;
      /** This SFU node, when several may share the database (room-nodes.ts). */
      node?: NodeClaim;
      /** A room nobody runs opens on another node with this many fewer people (elsewhere()); absent: always here. */
      placementMargin?: number;
      /** This node's load as its heartbeat records it (server.ts); the people in its rooms when absent. */
      ownLoad?: () => number;
    },
  ) {
    super();
  }

  get(id: string): Room | undefined {
    const room = this.rooms.get(id);
    return room && !room.isClosed ? room : undefined;
  }

  /** The rooms open now. */
  liveRooms(): Room[] {
    return [...this.rooms.values()].filter((room) => !room.isClosed);
  }

  /** Peers an account holds in the live rooms now (each tab or device that joined one). */
  peersOfAccount(userId: string): number {
    let n = 0;
    for (const room of this.rooms.values()) {
      if (room.isClosed) continue;
      for (const peer of room.peers.values()) if (peer.userId === userId && !peer.isAgent) n++;
    }
    return n;
  }

  /**
   * Refuses one more peer of an account that holds `maxPeersPerAccount` already, so one account
   * cannot take seats (and media ports) across every room. Anonymous peers are bounded per address
   * instead (each signalling connection holds one membership).
   */
  checkAccountPeers(userId: string | undefined): void {
    if (userId === undefined) return;
    const held = this.peersOfAccount(userId);
    if (held >= this.options.maxPeersPerAccount) {
      throw new SignalRequestError(
        'account_peers_full',
        `your account is in rooms ${held} times at once already (at most ${this.options.maxPeersPerAccount}, every tab and device counts); leave one first`,
      );
    }
  }

  /**
   * Joins `peer` to a room `open` gave, checking its account's peers again (another connection of
   * the account may have joined while the room opened). A room opened for a join it then refused
   * has nobody in it to close it: it closes here.
   */
  join(room: Room, peer: Peer): void {
    try {
      this.checkAccountPeers(peer.userId);
      room.join(peer);
    } catch (err) {
      if (room.peers.size === 0) room.close();
      throw err;
    }
  }

  /** The live room, opening it from its stored record if nobody is in it yet. */
  async open(id: string): Promise<Room> {
    const live = this.get(id);
    if (live) return live;
    let pending = this.opening.get(id);
    if (!pending) {
      pending = this.create(id).finally(() => this.opening.delete(id));
      this.opening.set(id, pending);
    }
    return pending;
  }

  /**
   * The room live here, after taking it over if a dead node left its session with people inside:
   * it resumes here (its lock, host and people kept) rather than starting over, even before the
   * next heartbeat's sweep. A join calls it first, so that the lock and who is expected back count.
   */
  async resumeIfInterrupted(id: string): Promise<Room | undefined> {
    const live = this.get(id);
    if (live || !this.options.node) return live;
    // This room only: a join is no place to sweep the whole database (the heartbeat does that).
    await this.resumeInterrupted({ own: false, only: id });
    const resumed = this.get(id) ?? (await this.resuming.get(id)?.catch(() => undefined));
    return resumed && !resumed.isClosed ? resumed : undefined;
  }

  /**
   * Where a join for room `id` belongs, when not here: the live SFU node that runs its session, or,
   * for a room nobody runs and `place` set, a live node with at least `placementMargin` fewer people
   * in its rooms than this one (the least loaded: loads as each node last recorded them with its
   * heartbeat). Null: here. A read before admission, so a join that will be relayed
   * (signalling/node-relay.ts) is admitted once, by the node that runs the room.
   */
  async elsewhere(id: string, options: { place: boolean }): Promise<RoomElsewhereError | null> {
    const node = this.options.node;
    if (!node || this.get(id) || this.opening.has(id)) return null;
    const holder = await this.store.roomNode(id, node.leaseMs);
    if (holder?.alive) return holder.nodeId !== node.nodeId ? new RoomElsewhereError(id, holder.nodeId, holder.url) : null;
    const margin = this.options.placementMargin;
    if (!options.place || margin === undefined) return null;
    const mine = this.options.ownLoad?.() ?? this.liveRooms().reduce((n, room) => n + room.peers.size, 0);
    let best: { id: string; url: string | null; peers: number } | undefined;
    for (const other of await this.store.liveNodes(node.leaseMs)) {
      if (other.id === node.nodeId || !other.url || other.peers + margin > mine) continue;
      if (!best || other.peers < best.peers) best = other;
    }
    return best ? new RoomElsewhereError(id, best.id, best.url) : null;
  }

  /**
   * The router RTP capabilities a client needs before joining. They are the same for every
   * room, so asking opens nothing: no router is created for a room nobody joins.
   */
  async rtpCapabilities(id: string): Promise<types.RtpCapabilities> {
    const live = this.get(id);
    if (live) return live.rtpCapabilities;
    if (!(await this.store.getRoom(id))) throw new SignalRequestError('not_found', `room ${id} does not exist`);
    if (!this.capabilities) {
      const router = await this.pool.pick().createRouter({ mediaCodecs });
      this.capabilities = router.rtpCapabilities;
      router.close();
    }
    return this.capabilities;
  }

  /**
   * A room whose mediasoup worker died moves to a live one and keeps everything but its media; it
   * closes only when there is no worker to move to.
   */
  private async move(room: Room): Promise<void> {
    // The worker picked may be dying too (several killed at once) before the pool knows: try the next.
    for (let attempt = 1; ; attempt++) {
      try {
        await room.moveTo(await this.pool.pickLive(), this.options.moveGraceMs ?? MOVE_GRACE_MS);
        return;
      } catch (err) {
        if (room.isClosed) return;
        if (attempt < MOVE_ATTEMPTS) {
          this.options.logger.warn({ err, roomId: room.id, attempt }, 'moving a room failed; trying another mediasoup worker');
          await new Promise((r) => setTimeout(r, 200 * attempt));
          continue;
        }
        this.options.logger.error({ err, roomId: room.id }, 'a room could not move to a live mediasoup worker; closing it');
        // Its people still hear from it: told to join again, they open it afresh.
        room.closeForRejoin();
        return;
      }
    }
  }

  /**
   * Opens again the rooms a previous process left with people inside (it was restarted or
   * crashed), before anyone can connect: each keeps its session, lock and host, and waits the
   * move grace for its people, who rejoin with their rejoin tokens (same peer ids), locked or not.
   */
  async resumeInterrupted(options: { own: boolean; only?: string } = { own: true }): Promise<Room[]> {
    const resumed: Room[] = [];
    const node = this.options.node;
    const here = [...this.rooms.keys(), ...this.opening.keys(), ...this.resuming.keys()];
    const taken = (await this.store.takeInterruptedRooms(node ? { ...node, ...options, skip: here } : undefined)).filter((was) => !this.get(was.roomId));
    // One after another, each known at once, so that a join opening one of them meanwhile waits for
    // it instead of starting it over.
    let previous: Promise<unknown> = Promise.resolve();
    const opened = taken.map((was) => {
      const room = previous.then(() => this.create(was.roomId, { locked: was.locked, aiLineup: was.aiLineup, standing: was.standing }));
      previous = room.catch(() => {});
      this.resuming.set(was.roomId, room);
      void previous.finally(() => this.resuming.get(was.roomId) === room && this.resuming.delete(was.roomId));
      return room;
    });
    for (const [i, was] of taken.entries()) {
      try {
        const room = await opened[i]!;
        room.awaitReturn(
          was.people.map((p) => ({ id: p.peerId, userId: p.userId })),
          was.hostPeerId ? [{ id: was.hostPeerId }] : [],
          this.options.moveGraceMs ?? MOVE_GRACE_MS,
        );
        resumed.push(room);
        if (!options.own) this.emit('roomTakenOver', room);
      } catch (err) {
        this.options.logger.error({ err, roomId: was.roomId }, 'an interrupted room could not be opened again');
      }
    }
    if (resumed.length > 0) {
      this.options.logger.warn({ rooms: resumed.map((r) => r.id), own: options.own }, options.own ? 'rooms interrupted by the last restart are waiting for their people' : 'rooms of a dead SFU node are waiting here for their people');
    }
    return resumed;
  }

  /** Stores the lock first (joins check the record), then announces it to the room. */
  async setLocked(room: Room, locked: boolean): Promise<void> {
    await this.store.setRoomLocked(room.id, locked);
    room.setLocked(locked);
  }

  closeAll(): void {
    for (const room of this.rooms.values()) room.close();
  }

  /**
   * Fencing: rooms running here that the database no longer gives to this node — it stalled past
   * its lease (a paused VM, a long GC, a cut to the database) and another node took them over — are
   * handed over: their people are told to join again (which relays them to that node, where they are
   * expected back) and the room ends here without a write, so nothing of the other node's session is
   * overwritten. Called after each heartbeat; returns the rooms handed over.
   */
  async fence(): Promise<string[]> {
    const node = this.options.node;
    const live = this.liveRooms().filter((room) => !this.opening.has(room.id));
    if (!node || live.length === 0) return [];
    const taken = await this.store.roomsNotHeldBy(node.nodeId, live.map((room) => room.id));
    for (const id of taken) {
      const room = this.get(id);
      if (!room) continue;
      this.options.logger.warn({ roomId: id, node: node.nodeId }, 'this node lost the room while it stalled past its lease: handing it over');
      room.handOver();
    }
    return taken;
  }

  /** Ends every live room for a restart: their records keep session, lock and host (Room.suspend). */
  suspendAll(): void {
    for (const room of this.rooms.values()) room.suspend();
  }

  /** Resolves once the database writes of closed rooms are done (before the database is closed). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.closing.values()]);
  }

  private async create(id: string, resumed?: { locked: boolean; aiLineup: AiLineup; standing: DurableStanding }): Promise<Room> {
    await this.closing.get(id);
    const record = await this.store.getRoom(id);
    if (!record) throw new SignalRequestError('not_found', `room ${id} does not exist`);
    // One node runs a room's session: another live node's room is refused, with where it runs.
    // A resumed room was claimed when it was taken.
    const node = this.options.node;
    const elsewhere = node && !resumed ? await this.store.claimRoom(id, node) : null;
    if (elsewhere?.alive) {
      throw new RoomElsewhereError(id, elsewhere.nodeId, elsewhere.url);
    }
    if (elsewhere) {
      // Its node died between this join's check and now, leaving people inside: the session is
      // taken over here with them (lock, host, who is expected back), which the join must see.
      void this.resumeInterrupted({ own: false }).catch((err: unknown) => this.options.logger.error({ err, roomId: id }, 'taking over a dead node’s rooms failed'));
      throw new SignalRequestError('unavailable', `room ${id} is moving here from SFU node ${elsewhere.nodeId}, which stopped: join again in a moment`);
    }
    // A lock lasts for one room session: a new session starts unlocked, even if the last one
    // ended without unlocking, or nobody could ever get back into an ownerless room. A session
    // resumed after a restart keeps its lock (it closes, unlocked, if nobody comes back).
    // Nor does a new session inherit the last one's host, AI players or decisions about people (a
    // write racing its close may have left some): one write clears all of it.
    if (!resumed) await this.store.clearSessionRecord(id);
    const room = await Room.create({
      id,
      name: record.name,
      worker: this.pool.pick(),
      rtc: this.options.rtc,
      maxPeers: record.maxParticipants ?? this.options.maxPeersPerRoom,
      logger: this.options.logger,
    });
    // The owner (a signed-in creator) takes the host role when they join.
    room.ownerId = record.ownerId ?? null;
    if (resumed?.locked) room.setLocked(true);
    if (resumed) {
      room.resumedAiLineup = resumed.aiLineup;
      room.standing.restore(resumed.standing);
    }
    let standingWrites: Promise<unknown> = Promise.resolve();
    room.standing.onChange = () => {
      // In order: the last write holds every decision so far.
      standingWrites = standingWrites
        .then(() => this.store.setRoomStanding(id, room.standing.durable()))
        .catch((err) => this.options.logger.error({ err, roomId: id }, "could not record the host's decisions"));
    };
    this.rooms.set(id, room);
    room.on('workerLost', () => void this.move(room));
    let hostWrites: Promise<unknown> = Promise.resolve();
    room.on('hostChanged', (peerId) => {
      // In order: the last write is who holds the role now.
      hostWrites = hostWrites
        .then(() => this.store.setRoomHost(id, peerId))
        .catch((err) => this.options.logger.error({ err, roomId: id }, 'could not record the host'));
    });
    room.once('close', () => {
      if (this.rooms.get(id) === room) this.rooms.delete(id);
      // Suspended for a restart: the next process resumes the session as it is recorded.
      if (room.suspended) {
        this.closing.set(id, hostWrites);
        void hostWrites.finally(() => this.closing.get(id) === hostWrites && this.closing.delete(id));
        return;
      }
      // closeRoom unlocks in the same write that closes (after the host writes, which it clears).
      const closed = hostWrites
        .then(() => this.store.closeRoom(id))
        .catch((err) => this.options.logger.error({ err, roomId: id }, 'could not record room close'))
        .finally(() => {
          if (this.closing.get(id) === closed) this.closing.delete(id);
        });
      this.closing.set(id, closed);
    });
    this.emit('roomOpened', room);
    return room;
  }
}
