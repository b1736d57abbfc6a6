// Sign-up by mail (security row 11): asking answers the same whether the email has an account or
// not; the account only exists once someone with the mail's link types the password chosen.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { SignUpLinks, type SignUpClaim } from '../src/auth/signup-links.ts';
import { SmtpMailer } from '../src/mail/mailer.ts';
import { mailsTo, nextMail } from './outbox.ts';
import { startHarness, type Harness } from './harness.ts';

let seq = 0;
const email = (who: string) => `${who}-${process.pid}-${++seq}@example.com`;
const PASSWORD = 'a fine long password';

describe('sign-up by mail', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });
  const outbox = () => h.sfu.mailOutbox!;

  test('a taken email and a new one get the same answer; only their mails differ', async () => {
    const owner = h.browser();
    const known = email('known');
    assert.equal((await owner.signUp({ email: known, password: PASSWORD, displayName: 'Known' })).status, 201);

    const ask = async (address: string) => {
      const asker = h.browser();
      const before = (await mailsTo(outbox(), address)).length;
      const res = await asker.api('POST', '/api/auth/signup', { email: address, password: 'someone else entirely', displayName: 'Probe' });
      const mail = await nextMail(outbox(), address, before);
      return { status: res.status, body: JSON.stringify(res.body).replace(address, '<email>'), cookie: asker.cookie, setCookie: res.headers.get('set-cookie'), mail };
    };
    const taken = await ask(known);
    const fresh = await ask(email('fresh'));
    assert.deepEqual(
      [taken.status, taken.body, taken.cookie, taken.setCookie],
      [fresh.status, fresh.body, fresh.cookie, fresh.setCookie],
    );
    assert.deepEqual([taken.status, taken.body, taken.cookie], [202, '{"mailSent":true,"email":"<email>"}', undefined]);
    assert.match(taken.mail.subject, /already have a Bandmate account/);
    assert.equal(taken.mail.link, 'http://localhost:3000/signin');
    assert.doesNotMatch(taken.mail.text, /signup\/finish/);
    assert.match(fresh.mail.subject, /Finish signing up/);
    assert.match(fresh.mail.link ?? '', /^http:\/\/localhost:3000\/signup\/finish\?token=[A-Za-z0-9_-]{100,}$/);
    // Nothing was made for the new address, and the owner's password still is the owner's.
    assert.equal((await h.browser().api('POST', '/api/auth/signin', { email: known, password: 'someone else entirely' })).status, 401);
    assert.equal((await h.browser().api('POST', '/api/auth/signin', { email: known, password: PASSWORD })).status, 200);
  });

  test('the link needs the password chosen; it makes the account once, signs in and says where to go', async () => {
    const address = email('ada');
    const asker = h.browser();
    const before = (await mailsTo(outbox(), address)).length;
    const asked = await asker.api('POST', '/api/auth/signup', { email: address, password: PASSWORD, displayName: 'Ada', next: '/room/abcd1234' });
    assert.equal(asked.status, 202);
    const token = new URL((await nextMail(outbox(), address, before)).link!).searchParams.get('token')!;
    assert.equal((await h.browser().api('POST', '/api/auth/signin', { email: address, password: PASSWORD })).status, 401, 'no account before the link');

    const opener = h.browser();
    const wrong = await opener.api('POST', '/api/auth/signup/finish', { token, password: 'not what I chose' });
    assert.deepEqual([wrong.status, wrong.body.error.code, opener.cookie], [401, 'invalid_credentials', undefined]);
    const done = await opener.api('POST', '/api/auth/signup/finish', { token, password: PASSWORD });
    assert.equal(done.status, 201, JSON.stringify(done.body));
    assert.deepEqual([done.body.user.email, done.body.user.displayName, done.body.user.guest, done.body.next], [address, 'Ada', false, '/room/abcd1234']);
    assert.ok(opener.cookie);
    assert.equal((await opener.api('GET', '/api/auth/me')).body.user.id, done.body.user.id);

    const again = await h.browser().api('POST', '/api/auth/signup/finish', { token, password: PASSWORD });
    assert.deepEqual([again.status, again.body.error.code], [409, 'email_taken']);
  });

  test('altered, made-up and foreign links are refused without saying more', async () => {
    const address = email('bob');
    const before = (await mailsTo(outbox(), address)).length;
    await h.browser().api('POST', '/api/auth/signup', { email: address, password: PASSWORD, displayName: 'Bob' });
    const token = new URL((await nextMail(outbox(), address, before)).link!).searchParams.get('token')!;
    const flipped = Buffer.from(token, 'base64url');
    flipped[flipped.length - 1]! ^= 1;
    const foreign = new SignUpLinks(randomBytes(32)).seal({ email: address, displayName: 'Bob', passwordHash: 'x', guestId: null, next: null });
    for (const bad of [flipped.toString('base64url'), foreign, 'A'.repeat(80)]) {
      const res = await h.browser().api('POST', '/api/auth/signup/finish', { token: bad, password: PASSWORD });
      assert.deepEqual([res.status, res.body.error.code], [400, 'signup_link_invalid'], bad.slice(0, 20));
    }
    const malformed = await h.browser().api('POST', '/api/auth/signup/finish', { token: 'not a token!', password: PASSWORD });
    assert.deepEqual([malformed.status, malformed.body.error.code], [400, 'bad_request']);
  });

  test('one email gets at most 3 sign-up mails at once, whoever asks', async () => {
    const address = email('inbox');
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await h.browser().api('POST', '/api/auth/signup', { email: address, password: PASSWORD, displayName: 'Flood' })).status);
    }
    assert.deepEqual(statuses, [202, 202, 202, 429, 429]);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await mailsTo(outbox(), address)).length, 3);
  });
});

test('a link older than its lifetime, or sealed under another key, does not open', () => {
  const claim: SignUpClaim = { email: 'a@example.com', displayName: 'A', passwordHash: '$argon2id$x', guestId: null, next: null };
  let now = 1_000_000;
  const links = new SignUpLinks(Buffer.alloc(32, 7), 60_000, () => now);
  const token = links.seal(claim);
  assert.deepEqual(links.open(token), claim);
  assert.equal(new SignUpLinks(Buffer.alloc(32, 8), 60_000, () => now).open(token), null);
  now += 59_000;
  assert.deepEqual(links.open(token), claim);
  now += 2_000;
  assert.equal(links.open(token), null);
  // The password hash is sealed, not merely signed: it is nowhere in the token's bytes.
  assert.ok(!Buffer.from(token, 'base64url').toString('latin1').includes('argon2id'));
});

test('with SFU_SMTP_URL the link goes out over SMTP, and the whole sign-up works from it', async () => {
  const received: Array<{ to: string[]; raw: string }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      callback(auth.username === 'bandmate' && auth.password === 'mail pass' ? null : new Error('bad login'), { user: auth.username });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  const h = await startHarness({ SFU_SMTP_URL: `smtp://bandmate:mail%20pass@127.0.0.1:${port}`, SFU_MAIL_FROM: 'Jam <jam@example.com>' });
  try {
    assert.equal(h.sfu.mailOutbox, undefined);
    const address = email('smtp');
    const asker = h.browser();
    assert.equal((await asker.api('POST', '/api/auth/signup', { email: address, password: PASSWORD, displayName: 'Sam' })).status, 202);
    const deadline = Date.now() + 5000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(received.length, 1, 'one mail reached the SMTP server');
    const { to, raw } = received[0]!;
    assert.deepEqual(to, [address]);
    assert.match(raw, /^From: Jam <jam@example\.com>$/m);
    assert.match(raw, /^Subject: Finish signing up to Bandmate$/m);
    const token = /signup\/finish\?token=([A-Za-z0-9_-]+)/.exec(bodyText(raw))?.[1];
    assert.ok(token, 'the link is in the mail');
    const done = await asker.api('POST', '/api/auth/signup/finish', { token, password: PASSWORD });
    assert.deepEqual([done.status, done.body.user.email], [201, address]);
  } finally {
    await h.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('a mail server that cannot be reached fails the mail, not the sign-up answer', async () => {
  const mailer = new SmtpMailer('smtp://127.0.0.1:1', 'x@example.com');
  await assert.rejects(mailer.send({ to: 'a@example.com', subject: 's', text: 't' }), /ECONNREFUSED/);
  mailer.close();
  const h = await startHarness({ SFU_SMTP_URL: 'smtp://127.0.0.1:1' });
  try {
    const res = await h.browser().api('POST', '/api/auth/signup', { email: email('down'), password: PASSWORD, displayName: 'Dee' });
    assert.equal(res.status, 202);
  } finally {
    await h.close();
  }
});

/** The text of a single-part mail, undoing quoted-printable or base64. */
function bodyText(raw: string): string {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split);
  const body = raw.slice(split + 4);
  if (/^Content-Transfer-Encoding: base64/im.test(head)) return Buffer.from(body, 'base64').toString('utf8');
  if (/^Content-Transfer-Encoding: quoted-printable/im.test(head)) {
    return body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return body;
}
