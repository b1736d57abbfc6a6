import type { PeerInfo, Role } from '@bandmate/shared';
import { SignalRequestError } from '@bandmate/shared';
import type { Peer } from './peer.ts';
import type { Room } from './room.ts';

/**
 * What the host of a room may do to it and its participants. Every control first checks that
 * the actor holds the host role now, so the rule lives here and not in a UI that hides buttons.
 */

export function requireHost(room: Room, actor: Peer): void {
  if (room.host() !== actor) throw new SignalRequestError('not_host', 'only the host of this room can do that');
}

/** The participant a control is aimed at, or a clear refusal. */
function targetOf(room: Room, actor: Peer, peerId: string, action: string): Peer {
  const target = room.peers.get(peerId);
  if (!target) throw new SignalRequestError('not_found', `no participant ${peerId} in this room`);
  if (target === actor) throw new SignalRequestError('bad_request', `you cannot ${action} yourself`);
  if (target.isAgent) {
    throw new SignalRequestError('bad_request', 'AI players are controlled with their own requests (setAiPlayer, removeAiPlayer)');
  }
  // Someone the owner handed the role to must not lock the owner out of their own room.
  if (room.isOwner(target)) throw new SignalRequestError('forbidden', `the room's owner cannot be told to ${action}`);
  return target;
}

/**
 * Server-side mute: the participant's producers are paused in the router, so nobody (browsers,
 * the AI, a recorder) receives their audio; only the host can resume them.
 */
export async function muteParticipant(room: Room, actor: Peer, peerId: string, muted: boolean): Promise<PeerInfo> {
  requireHost(room, actor);
  const target = targetOf(room, actor, peerId, muted ? 'mute' : 'unmute');
  room.standing.record(target, { muted });
  if (target.hostMuted === muted) return target.info;
  target.hostMuted = muted;
  // Requests to one producer are ordered in the worker, so a quick mute/unmute ends as asked last.
  await Promise.all(
    [...target.producers.values()].map((p) => {
      if (muted) return p.pause();
      // The musician's own pause outlives the host's unmute.
      return p.appData.selfPaused ? undefined : p.resume();
    }),
  );
  room.announce(target);
  return target.info;
}

/**
 * Listen-only closes the participant's stream and send transport (their client is told and
 * stops its microphone); letting them play again makes them a musician, whose client may produce.
 */
export function setParticipantRole(room: Room, actor: Peer, peerId: string, role: Role): PeerInfo {
  requireHost(room, actor);
  const target = targetOf(room, actor, peerId, role === 'listener' ? 'listen only' : 'play');
  room.standing.record(target, { listenOnly: role === 'listener' });
  if (target.role === role) return target.info;
  target.role = role;
  if (role === 'listener') {
    // Copies: closing removes entries from these maps.
    for (const producer of [...target.producers.values()]) producer.close();
    for (const transport of [...target.transports.values()]) {
      if (transport.appData.direction !== 'send') continue;
      transport.close();
      target.transports.delete(transport.id);
    }
  }
  room.announce(target);
  return target.info;
}

/** Tells the participant why, ends their membership, and keeps them out for the room session. */
export function removeParticipant(room: Room, actor: Peer, peerId: string, reason?: string): void {
  requireHost(room, actor);
  const target = targetOf(room, actor, peerId, 'leave');
  room.standing.record(target, { removed: true });
  room.remove(target.id, reason ? `The host removed you: ${reason}` : 'The host removed you from the room.');
}

/**
 * The owner ended an account's membership: every peer of that account leaves, and the account
 * stays out of this room session whatever invite it brings (the owner's own peers are not touched).
 */
export function removeAccount(room: Room, userId: string): void {
  if (room.ownerId === userId) return;
  room.standing.record({ userId, connectionId: undefined }, { removed: true });
  for (const peer of [...room.peers.values()]) {
    if (peer.userId === userId && !peer.isAgent) room.remove(peer.id, "The room's owner removed you from the room.");
  }
}

export function handOverHost(room: Room, actor: Peer, peerId: string): void {
  requireHost(room, actor);
  const target = room.peers.get(peerId);
  if (!target) throw new SignalRequestError('not_found', `no participant ${peerId} in this room`);
  if (target === actor) throw new SignalRequestError('bad_request', 'you are the host already');
  if (target.isAgent) throw new SignalRequestError('bad_request', 'the AI band member cannot be the host');
  if (target.role !== 'musician' && !room.isOwner(target)) {
    throw new SignalRequestError('bad_request', `${target.displayName} is listening only; hand the host role to a musician`);
  }
  room.setHost(target);
}

/** The participant's own microphone: paused and resumed by themselves, unless the host muted them. */
export async function pauseOwnProducer(peer: Peer, producerId: string, paused: boolean): Promise<void> {
  const producer = peer.producer(producerId);
  if (!paused && peer.hostMuted) {
    throw new SignalRequestError('host_muted', 'the host muted you; only the host can unmute you');
  }
  producer.appData.selfPaused = paused;
  if (paused) await producer.pause();
  else await producer.resume();
}
