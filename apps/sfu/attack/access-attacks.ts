// Who gets in: the README Security table's rows about identity and access, replayed against the
// running SFU (rows 1, 4, 5, 6, 10, 11, 12, forwarded-for, and the API's headers).
import assert from 'node:assert/strict';
import { AGENT_NAMESPACE, recordingListPath } from '@bandmate/shared';
import { safeNext } from '../../web/lib/auth-api.ts';
import { SESSION_COOKIE } from '../src/auth/sessions.ts';
import { ask, nextEvent, replyCode } from '../test/harness.ts';
import { mailsTo } from '../test/outbox.ts';
import { ATTACK_SETTINGS, signedUp, type Attack, type Target } from './target.ts';

const EVIL = 'https://evil.example';

export const accessAttacks: Attack[] = [
  {
    row: '1',
    what: 'a client connects to /agent and says hello as the AI worker',
    async run(t) {
      const outcomes = [];
      for (const auth of [{}, { secret: 'not-the-secret-but-long-enough' }, { secret: { toString: 'x' } }]) {
        outcomes.push(await t.handshake(AGENT_NAMESPACE, { auth }));
      }
      assert.deepEqual(outcomes, ['agent_unauthorised', 'agent_unauthorised', 'agent_unauthorised']);
      return 'refused at the handshake, agent_unauthorised (no secret, a wrong one, a non-string one)';
    },
  },
  {
    row: '4',
    what: 'the owner removes an invited member and revokes the invite',
    async run(t) {
      const owner = await signedUp(t, 'Owner');
      const room = (await owner.browser.api('POST', '/api/rooms', { name: 'Lesson', visibility: 'private' })).body as { id: string };
      const invite = (await owner.browser.api('POST', `/api/rooms/${room.id}/invites`, { role: 'musician' })).body as { id: string; token: string };
      const member = t.browser(t.address());
      const guest = (await member.api('POST', '/api/auth/guest', { roomId: room.id, invite: invite.token, displayName: 'Mel' })).body.user as { id: string };
      assert.equal(replyCode((await owner.browser.join(room.id, { name: 'Olga' })).reply), 'ok');
      const inRoom = await member.join(room.id, { name: 'Mel', invite: invite.token });
      assert.equal(replyCode(inRoom.reply), 'ok', 'the member joins with the invite');
      const pass = await ask<{ token: string }>(inRoom.socket, 'recordingsAccess', {});
      assert.ok(pass.ok, 'the member gets a recordings pass');

      const told = nextEvent<{ reason: string }>(inRoom.socket, 'removed');
      assert.equal((await owner.browser.api('POST', `/api/rooms/${room.id}/members/${guest.id}/remove`)).status, 200);
      await told;
      assert.equal((await owner.browser.api('POST', `/api/rooms/${room.id}/invites/${invite.id}/revoke`)).status, 200);
      const list = recordingListPath(room.id);
      assert.equal((await member.api('GET', list)).status, 403, 'their cookie still lists the recordings');
      assert.equal((await fetch(`${t.url}${list}?access=${pass.data.token}`)).status, 403, 'their pass still works');
      const fresh = (await owner.browser.api('POST', `/api/rooms/${room.id}/invites`, { role: 'musician' })).body.token as string;
      assert.equal(replyCode((await member.join(room.id, { name: 'Mel', invite: fresh })).reply), 'removed', 'they rejoin');
      return "told 'removed' and out; cookie and pass get 403 on the recordings; rejoining is refused (removed)";
    },
  },
  {
    row: '5',
    what: `Origin: ${EVIL} (or null) with a session cookie: /api/auth/me, invites, the signalling handshake`,
    async run(t) {
      const owner = await signedUp(t, 'Victim');
      const room = (await owner.browser.api('POST', '/api/rooms', { name: 'Private', visibility: 'private' })).body as { id: string };
      const cookie = `${SESSION_COOKIE}=${owner.browser.cookie}`;
      for (const origin of [EVIL, 'null']) {
        const me = await fetch(`${t.url}/api/auth/me`, { headers: { origin, cookie } });
        assert.equal(me.status, 403, `GET /api/auth/me from ${origin}`);
        assert.equal(me.headers.get('access-control-allow-origin'), null, 'no CORS for another site');
        const made = await fetch(`${t.url}/api/rooms/${room.id}/invites`, {
          method: 'POST',
          headers: { origin, cookie, 'content-type': 'application/json' },
          body: JSON.stringify({ role: 'musician' }),
        });
        assert.equal(made.status, 403, `an invite made from ${origin}`);
        assert.equal(await t.handshake('/', { headers: { origin, cookie } }), 'refused', `a handshake from ${origin}`);
      }
      const noOrigin = await fetch(`${t.url}/api/rooms/${room.id}/invites`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' });
      assert.equal(noOrigin.status, 403, 'a cookie-carrying POST without Origin');
      return '403 and no CORS headers; no invite made; the handshake is refused; a cookie POST without Origin too';
    },
  },
  {
    row: '6',
    what: '/signin?next=%2F%09%2Fevil.example%2Fphish and its variants (the web app\'s safeNext)',
    async run() {
      const page = 'http://localhost:3000';
      const attacks = [new URLSearchParams('next=%2F%09%2Fevil.example%2Fphish').get('next'), '//evil.example', '/\\evil.example', '\\\\evil.example', '/\n/evil.example', 'https://evil.example/phish', 'javascript:alert(1)'];
      for (const next of attacks) assert.equal(safeNext(next, page), '/', JSON.stringify(next));
      assert.equal(safeNext('/room/abc?invite=t.k', page), '/room/abc?invite=t.k');
      return `all ${attacks.length} go to /; a path on the site is kept`;
    },
  },
  {
    row: '10',
    what: "10 wrong passwords for someone else's email, then the owner signs in",
    async run(t) {
      const home = t.address();
      const owner = await signedUp(t, 'Owner', home);
      const post = async (address: string, password: string) =>
        (await fetch(`${t.url}/api/auth/signin`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
          body: JSON.stringify({ email: owner.email, password }),
        })).status;
      const guesser = t.address();
      const statuses = [];
      for (let i = 0; i < 11; i++) statuses.push(await post(guesser, `guess ${i}`));
      assert.deepEqual(statuses, [...Array(10).fill(401), 429], "the guesser's statuses");
      assert.equal(await post(home, 'a long and fine password'), 200, 'the owner is locked out');
      return 'the guesser gets 429 after 10; the owner gets in (200), after a delay';
    },
  },
  {
    row: '11',
    what: 'sign-up with an existing email (and with a new one): do the answers tell them apart?',
    async run(t) {
      const owner = await signedUp(t, 'Known');
      const ask = async (email: string) => {
        const browser = t.browser(t.address());
        const started = performance.now();
        const res = await browser.api('POST', '/api/auth/signup', { email, password: 'another fine password', displayName: 'Probe' });
        return { status: res.status, body: JSON.stringify(res.body).replace(email, '<email>'), cookie: browser.cookie, ms: performance.now() - started };
      };
      const taken = await ask(owner.email);
      const fresh = await ask(`nobody-${Date.now()}@example.com`);
      assert.deepEqual([taken.status, taken.body, taken.cookie], [fresh.status, fresh.body, fresh.cookie], 'the two answers differ');
      assert.equal(taken.status, 202, 'a sign-up answers 202 (a mail goes out)');
      const mails = await mailsTo(t.mailOutbox, owner.email);
      assert.match(mails.at(-1)?.subject ?? '', /already have/, 'the owner is told by mail, not the asker');
      return `both ${taken.status} ${taken.body}, no cookie (${taken.ms.toFixed(0)} / ${fresh.ms.toFixed(0)} ms); the owner gets "already have an account" by mail`;
    },
  },
  {
    row: '12',
    what: 'sign-up with 12345678, eight spaces, or the email as password',
    async run(t) {
      const browser = t.browser(t.address());
      const email = 'weak@example.com';
      const statuses = [];
      for (const password of ['12345678', '        ', email]) {
        statuses.push((await browser.signUp({ email, password, displayName: 'Weak' })).status);
      }
      assert.deepEqual(statuses, [400, 400, 400]);
      return '400 bad_request with the reason, all three';
    },
  },
  {
    row: '—',
    what: 'behind the trusted proxy, a made-up left-most X-Forwarded-For per request',
    async run(t) {
      const real = t.address();
      const limit = Number(ATTACK_SETTINGS.SFU_LIMIT_AUTH_IP.split('/')[0]);
      const statuses = [];
      for (let i = 0; i <= limit; i++) {
        const res = await fetch(`${t.url}/api/auth/signin`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.0.${i}.1, ${real}` },
          body: JSON.stringify({ email: `nobody-${i}@example.com`, password: 'not a password' }),
        });
        statuses.push(res.status);
      }
      assert.equal(statuses.at(-1), 429, `request ${limit + 1} from one address, forged entries to its left`);
      return `the right-most entry counts: request ${limit + 1} is 429 (SFU_LIMIT_AUTH_IP ${ATTACK_SETTINGS.SFU_LIMIT_AUTH_IP})`;
    },
  },
  {
    row: '—',
    what: "the SFU's HTTP API framed or sniffed",
    async run(t) {
      for (const path of ['/health', '/api/rooms', '/api/nothing']) {
        const res = await fetch(`${t.url}${path}`);
        await res.arrayBuffer();
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
        assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
        assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, path);
      }
      return "nosniff, X-Frame-Options DENY, CSP default-src 'none'; frame-ancestors 'none' on every answer";
    },
  },
];
