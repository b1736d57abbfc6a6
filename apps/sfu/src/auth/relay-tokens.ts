import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A relay token proves "SFU node N relays the signalling of a client at address X": an SFU node
 * that a browser reached for a room live on another node opens a socket to that node on the
 * browser's behalf (signalling/node-relay.ts) and shows this token, so the room's node counts the
 * browser's own address against its per-address limits instead of the relaying node's. Signed with
 * a key derived from the invite secret, which every node of a deployment shares (rejoin tokens
 * need it too). Format: base64url("<nodeId>\n<issued s>") "." base64url(HMAC-SHA256(key, node,
 * address, issued)). A token is bound to the address it vouches for: a copied one vouches for
 * nothing else.
 */
const VERSION = 'bandmate-node-relay-v1';
/** A relay connects right after signing: a minute covers clock skew between nodes. */
const MAX_AGE_MS = 60_000;

/**
 * What a node-link token (edge/pipe-server.ts) is bound to instead of a browser's address: no
 * address contains a NUL, so a relay token is never a link token nor the other way round.
 */
const NODE_LINK_SUBJECT = '\0node-link';

export const RELAY_TOKEN_HEADER = 'x-bandmate-relay';
export const RELAY_CLIENT_HEADER = 'x-bandmate-relay-client';

export class RelayTokens {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    this.key = createHmac('sha256', secret).update(VERSION).digest();
  }

  sign(nodeId: string, clientAddress: string, now = Date.now()): string {
    const issued = Math.floor(now / 1000);
    const payload = Buffer.from(`${nodeId}\n${issued}`).toString('base64url');
    return `${payload}.${this.mac(nodeId, clientAddress, issued).toString('base64url')}`;
  }

  /** The relaying node's id; null for a token that is malformed, forged, for another address or too old. */
  verify(token: string, clientAddress: string, now = Date.now()): string | null {
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined) return null;
    const match = /^([^\n]{1,128})\n(\d{1,12})$/.exec(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!match) return null;
    const nodeId = match[1]!;
    const issued = Number(match[2]);
    const given = Buffer.from(signature, 'base64url');
    const expected = this.mac(nodeId, clientAddress, issued);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const age = now - issued * 1000;
    return age >= -MAX_AGE_MS && age <= MAX_AGE_MS ? nodeId : null;
  }

  /** A token proving "SFU node N of this deployment" on a node-to-node link (pipes of a room spanning nodes). */
  signNodeLink(nodeId: string, now = Date.now()): string {
    return this.sign(nodeId, NODE_LINK_SUBJECT, now);
  }

  /** The linking node's id; null for anything else. */
  verifyNodeLink(token: string, now = Date.now()): string | null {
    return this.verify(token, NODE_LINK_SUBJECT, now);
  }

  private mac(nodeId: string, clientAddress: string, issued: number): Buffer {
    return createHmac('sha256', this.key).update(`${nodeId}\n${clientAddress}\n${issued}`).digest();
  }
}
