// One client must not starve the others, and what it names must not reach others raw: the README
// Security table's rows about quotas and names, replayed against the running SFU (rows 2, 3, 7, 8, 9).
import assert from 'node:assert/strict';
import { recordingListPath, recordingPath, type RecordingList } from '@bandmate/shared';
import { SESSION_COOKIE } from '../src/auth/sessions.ts';
import { ask, createRoom, nextEvent, replyCode } from '../test/harness.ts';
import { ATTACK_SETTINGS, signedUp, type Attack, type Target } from './target.ts';

/** The SFU's defaults these rows are measured against (see apps/sfu/src/config.ts). */
const CONNECTIONS_PER_ADDRESS = 32;
const PEERS_PER_ACCOUNT = 8;
/** Bidi override and isolate, newline, BEL, tab, DEL, a C1 control. */
const DIRTY = 'Ev\u202Eil\u2066 \nName\u0007\t\u007F\u0085';
const UNCLEAN = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** A public room made by an anonymous visitor at `address`. */
async function publicRoom(t: Target, address: string, name = 'Open jam'): Promise<string> {
  const res = await t.browser(address).api('POST', '/api/rooms', { name });
  assert.equal(res.status, 201, `room creation: ${JSON.stringify(res.body)}`);
  return (res.body as { id: string }).id;
}

export const quotaAttacks: Attack[] = [
  {
    row: '2',
    what: `one address opens ${CONNECTIONS_PER_ADDRESS + 1} signalling connections (forging X-Forwarded-For entries)`,
    async run(t) {
      const flooder = t.address();
      const outcomes = [];
      for (let i = 0; i <= CONNECTIONS_PER_ADDRESS; i++) {
        outcomes.push(await t.handshake('/', { headers: { 'x-forwarded-for': `10.1.${i}.1, ${flooder}` } }));
      }
      assert.equal(outcomes.filter((o) => o === 'connected').length, CONNECTIONS_PER_ADDRESS, 'connections let in');
      assert.equal(outcomes.at(-1), 'rate_limited');
      assert.equal(await t.handshake('/', { headers: { 'x-forwarded-for': t.address() } }), 'connected', 'another address');
      return `connection ${CONNECTIONS_PER_ADDRESS + 1} refused (rate_limited); another address connects`;
    },
  },
  {
    row: '2',
    what: `one account joins ${PEERS_PER_ACCOUNT + 1} times at once (tabs across rooms)`,
    async run(t) {
      const { browser } = await signedUp(t, 'Hoarder');
      const rooms = [await publicRoom(t, t.address()), await publicRoom(t, t.address())];
      const codes = [];
      for (let i = 0; i <= PEERS_PER_ACCOUNT; i++) codes.push(replyCode((await browser.join(rooms[i % 2]!, { name: `Tab ${i}` })).reply));
      assert.deepEqual(codes, [...Array(PEERS_PER_ACCOUNT).fill('ok'), 'account_peers_full']);
      return `join ${PEERS_PER_ACCOUNT + 1} refused (account_peers_full)`;
    },
  },
  {
    row: '3',
    what: 'hosts on one address start a recording in each of their rooms',
    async run(t) {
      const attacker = t.address();
      const hosts = [];
      for (let i = 0; i < 2; i++) hosts.push((await t.browser(attacker).join(await publicRoom(t, attacker))).socket);
      const codes = [];
      for (const host of hosts) codes.push(replyCode(await ask(host, 'startRecording', {})));
      assert.deepEqual(codes, ['ok', 'recording_unavailable']);
      const other = (await t.browser(t.address()).join(await publicRoom(t, t.address()))).socket;
      assert.equal(replyCode(await ask(other, 'startRecording', {})), 'ok', 'another address records');
      for (const host of [hosts[0]!, other]) await ask(host, 'stopRecording', {});
      return 'the second refused (recording_unavailable); another address still records';
    },
  },
  {
    row: '3',
    what: "a stranger, a member and another site delete a room's recording",
    async run(t) {
      const owner = await signedUp(t, 'Keeper');
      const room = (await owner.browser.api('POST', '/api/rooms', { name: 'Takes' })).body as { id: string };
      const host = (await owner.browser.join(room.id, { name: 'Keeper' })).socket;
      assert.equal(replyCode(await ask(host, 'startRecording', {})), 'ok');
      await ask(host, 'stopRecording', {});
      const recordingId = await savedRecording(t, owner.browser.cookie!, room.id);
      const url = recordingPath(room.id, recordingId);
      const cookie = `${SESSION_COOKIE}=${owner.browser.cookie}`;
      const member = await signedUp(t, 'Member');
      assert.equal(replyCode((await member.browser.join(room.id, { name: 'Member' })).reply), 'ok');
      const attempts = {
        stranger: (await t.browser(t.address()).api('DELETE', url)).status,
        member: (await member.browser.api('DELETE', url)).status,
        'another site': (await fetch(`${t.url}${url}`, { method: 'DELETE', headers: { cookie, origin: 'https://evil.example' } })).status,
      };
      assert.deepEqual(attempts, { stranger: 401, member: 403, 'another site': 403 });
      const told = nextEvent<{ recordingId: string }>(host, 'recordingDeleted');
      assert.equal((await owner.browser.api('DELETE', url)).status, 200, 'the owner deletes it');
      assert.equal((await told).recordingId, recordingId);
      return '401 / 403 / 403, the recording stays; the owner deletes it (200) and the room is told';
    },
  },
  {
    row: '7',
    what: 'one address posts /api/demo four times; /api/demoXYZ; a cross-site post',
    async run(t) {
      const mine = t.address();
      const demo = async (address: string, path = '/api/demo', origin?: string) => {
        const res = await fetch(`${t.url}${path}`, { method: 'POST', headers: { 'x-forwarded-for': address, ...(origin ? { origin } : {}) } });
        return { status: res.status, id: ((await res.json()) as { id?: string }).id };
      };
      const ids = new Set<string | undefined>();
      for (let i = 0; i < 4; i++) ids.add((await demo(mine)).id);
      assert.equal(ids.size, 1, 'asking again gives back the same demo room');
      const theirs = await demo(t.address());
      assert.equal(theirs.status, 201, 'someone else still gets a demo');
      assert.equal((await demo(t.address(), '/api/demoXYZ')).status, 404);
      assert.equal((await demo(t.address(), '/api/demo', 'https://evil.example')).status, 403);
      return 'one demo room per address (the same one back); others get theirs; 404; 403';
    },
  },
  {
    row: '8',
    what: `${Number(ATTACK_SETTINGS.SFU_LOBBY_MAX_ROOMS) + 5} anonymous rooms named with bidi overrides and control characters`,
    async run(t) {
      const max = Number(ATTACK_SETTINGS.SFU_LOBBY_MAX_ROOMS);
      const attacker = t.address();
      const made = [];
      for (let i = 0; i < max + 5; i++) made.push(await t.browser(attacker).api('POST', '/api/rooms', { name: `${DIRTY} ${i}` }));
      assert.ok(made.every((r) => r.status === 201));
      assert.ok(made.every((r) => !UNCLEAN.test(String(r.body.name))), 'a name is stored raw');
      const listed = ((await (await fetch(`${t.url}/api/rooms`)).json()) as { rooms: Array<{ name: string }> }).rooms;
      assert.ok(listed.length <= max, `the lobby lists ${listed.length}`);
      assert.ok(listed.every((r) => !UNCLEAN.test(r.name)), 'a name is listed raw');
      return `names stored and listed cleaned; the lobby lists ${listed.length} (SFU_LOBBY_MAX_ROOMS ${max})`;
    },
  },
  {
    row: '9',
    what: 'join with a display name holding U+202E, a newline, BEL',
    async run(t) {
      const roomId = (await createRoom({ url: t.url }, 'Names')).id;
      const first = await t.browser(t.address()).join(roomId, { name: 'First' });
      const seen = nextEvent<{ displayName: string }>(first.socket, 'peerJoined');
      const dirty = await t.browser(t.address()).join(roomId, { name: DIRTY });
      assert.equal(replyCode(dirty.reply), 'ok');
      const broadcast = (await seen).displayName;
      assert.equal(broadcast, 'Evil Name');
      return `broadcast as ${JSON.stringify(broadcast)}`;
    },
  },
];

/** Waits until the room's newest recording is saved (or failed: nobody played), its id. */
async function savedRecording(t: Target, cookie: string, roomId: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${t.url}${recordingListPath(roomId)}`, { headers: { cookie: `${SESSION_COOKIE}=${cookie}` } });
    const { recordings } = (await res.json()) as RecordingList;
    const done = recordings.find((r) => r.status !== 'recording');
    if (done) return done.id;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the recording was not saved within 10 s');
}
