// Relay tokens (auth/relay-tokens.ts): what an SFU node shows when it relays a browser's signalling
// to the room's node, so that node counts the browser's address. Only a node holding the
// deployment's secret can vouch for an address, and only for that one, for a minute.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { RELAY_CLIENT_HEADER, RELAY_TOKEN_HEADER, RelayTokens } from '../src/auth/relay-tokens.ts';
import { RoomAccess } from '../src/auth/room-access.ts';
import { RejoinTokens } from '../src/auth/rejoin-tokens.ts';

const secret = randomBytes(32);
const tokens = new RelayTokens(secret);
const now = Date.UTC(2030, 0, 1);

test('a relay token vouches for one address, from a node with the secret, for a minute', () => {
  const token = tokens.sign('node-b', '203.0.113.7', now);
  assert.equal(tokens.verify(token, '203.0.113.7', now + 1000), 'node-b');
  assert.equal(tokens.verify(token, '203.0.113.8', now + 1000), null, 'another address');
  assert.equal(tokens.verify(token, '203.0.113.7', now + 61_000), null, 'too old');
  assert.equal(new RelayTokens(randomBytes(32)).verify(token, '203.0.113.7', now), null, 'another deployment’s secret');
  const [payload, mac] = token.split('.');
  const renamed = Buffer.from(`node-x\n${Math.floor(now / 1000)}`).toString('base64url');
  assert.equal(tokens.verify(`${renamed}.${mac}`, '203.0.113.7', now), null, 'another node name under the same signature');
  for (const bad of ['', '.', `${payload}`, `${payload}.${mac}.x`, 'a.b', `${payload}.${mac?.slice(1)}`]) {
    assert.equal(tokens.verify(bad, '203.0.113.7', now), null, `malformed: ${JSON.stringify(bad)}`);
  }
});

test('RoomAccess takes a relayed address only with a valid token; anyone else keeps their own', () => {
  const access = new RoomAccess({
    store: {} as never,
    sessions: {} as never,
    invites: {} as never,
    limits: {} as never,
    liveRoom: () => undefined,
    rejoinTokens: new RejoinTokens(secret),
    relayTokens: tokens,
    trustProxy: false,
  });
  const socket = (headers: Record<string, string>) => ({ handshake: { address: '10.0.0.2', headers } });
  const relayed = socket(access.relayHeaders('node-b', '198.51.100.4'));
  assert.deepEqual(access.relayOfSocket(relayed), { nodeId: 'node-b', address: '198.51.100.4' });
  assert.equal(access.addressOfSocket(relayed), '198.51.100.4');
  // Checked at the handshake, and kept for the connection's life (the token itself lasts a minute).
  const later = socket(access.relayHeaders('node-b', '198.51.100.4'));
  assert.ok(access.relayOfSocket(later));
  later.handshake.headers[RELAY_TOKEN_HEADER] = 'expired.by-now';
  assert.deepEqual(access.relayOfSocket(later), { nodeId: 'node-b', address: '198.51.100.4' });
  // A client naming an address of its choice, with no token, a made-up one or another address's.
  const other = tokens.sign('node-b', '198.51.100.5');
  for (const headers of <Array<Record<string, string>>>[
    { [RELAY_CLIENT_HEADER]: '198.51.100.4' },
    { [RELAY_CLIENT_HEADER]: '198.51.100.4', [RELAY_TOKEN_HEADER]: 'forged.token' },
    { [RELAY_CLIENT_HEADER]: '198.51.100.4', [RELAY_TOKEN_HEADER]: other },
  ]) {
    assert.equal(access.relayOfSocket(socket(headers)), null);
    assert.equal(access.addressOfSocket(socket(headers)), '10.0.0.2', 'its own address counts');
  }
});
