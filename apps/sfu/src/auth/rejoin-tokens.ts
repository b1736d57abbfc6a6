import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A rejoin token proves "I was peer P in room R": given at join, shown again when the page joins
 * by itself after the server restarted or the room moved. Signed with a key derived from the
 * invite secret, which survives restarts; the room decides whether P is expected back
 * (Room.expectsBack), so a token alone admits nobody. Format: base64url("<peerId>.<issued s>")
 * "." base64url(HMAC-SHA256(key, room, peer, issued)).
 */
const VERSION = 'bandmate-rejoin-v1';
/** Older tokens are refused: a page reconnects within minutes, not days. */
const MAX_AGE_MS = 24 * 60 * 60 * 1000;

export class RejoinTokens {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    // Its own key: a rejoin token can never be mistaken for an invite signed with the same secret.
    this.key = createHmac('sha256', secret).update(VERSION).digest();
  }

  sign(roomId: string, peerId: string, now = Date.now()): string {
    const issued = Math.floor(now / 1000);
    const payload = Buffer.from(`${peerId}.${issued}`).toString('base64url');
    return `${payload}.${this.mac(roomId, peerId, issued).toString('base64url')}`;
  }

  /** The peer id the token was given to in `roomId`; null for a token that is malformed, forged, for another room or too old. */
  verify(roomId: string, token: string, now = Date.now()): string | null {
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined) return null;
    const match = /^([0-9a-f-]{36})\.(\d{1,12})$/.exec(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!match) return null;
    const peerId = match[1]!;
    const issued = Number(match[2]);
    const given = Buffer.from(signature, 'base64url');
    const expected = this.mac(roomId, peerId, issued);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const age = now - issued * 1000;
    return age >= -60_000 && age <= MAX_AGE_MS ? peerId : null;
  }

  private mac(roomId: string, peerId: string, issued: number): Buffer {
    return createHmac('sha256', this.key).update(`${roomId}\n${peerId}\n${issued}`).digest();
  }
}
