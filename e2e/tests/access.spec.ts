import { createInviteAs, createRoomAs, joinOnSignalling, mailCount, nextMailTo, signallingAs, signUpViaApi, uniqueEmail } from '../support/accounts.ts';
import { expect, test, TONES, toneWav } from '../support/fixtures.ts';
import { expectTones, joinRoom, peerId, SFU_URL } from '../support/room.ts';

test('sign up by mail, sign out and sign in through the pages; the session is an HttpOnly, Secure, SameSite=Lax cookie', async ({ launch }) => {
  const { page } = await launch();
  const email = uniqueEmail('Ana');
  const before = await mailCount(email);
  await page.goto('/signup');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Your name').fill('Ana');
  await page.getByLabel('Password').fill('a good long password');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByRole('status', { name: 'Check your email' })).toBeVisible();
  await expect(page.getByTestId('mailed-to')).toHaveText(email);
  await expect(page.getByTestId('signed-in-as')).toHaveCount(0);
  // The mail's link, opened in the same browser: the password again makes the account.
  const mail = await nextMailTo(email, before);
  expect(mail.subject).toBe('Finish signing up to Bandmate');
  await page.goto(mail.link!);
  await page.getByLabel('Password').fill('not what I chose');
  await page.getByRole('button', { name: 'Make my account' }).click();
  await expect(page.locator('p[role=alert]')).toHaveAttribute('data-code', 'invalid_credentials');
  await page.getByLabel('Password').fill('a good long password');
  await page.getByRole('button', { name: 'Make my account' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('signed-in-as')).toContainText('Ana');
  await expect(page.getByTestId('signed-in-as')).toContainText(email);

  // Chromium kept the SFU's cookie (a Secure cookie over http://127.0.0.1: a secure context), and
  // the page's scripts cannot read it.
  const [cookie] = (await page.context().cookies(SFU_URL)).filter((c) => c.name === 'bandmate_session');
  expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
  expect(cookie!.expires - Date.now() / 1000).toBeGreaterThan(29 * 24 * 3600);
  expect(await page.evaluate(() => document.cookie)).not.toContain('bandmate_session');
  await page.reload();
  await expect(page.getByTestId('signed-in-as')).toContainText('Ana');

  // A signed-in user may create a private room; the lobby offers it.
  await expect(page.getByLabel('Private (invite links only)')).toBeEnabled();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByTestId('account').getByRole('link', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByLabel('Private (invite links only)')).toBeDisabled();
  expect((await page.context().cookies(SFU_URL)).filter((c) => c.name === 'bandmate_session')).toEqual([]);

  await page.goto('/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not my password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('p[role=alert]')).toHaveAttribute('data-code', 'invalid_credentials');
  await expect(page.locator('p[role=alert]')).toContainText('email or the password is wrong');
  await page.getByLabel('Password').fill('a good long password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signed-in-as')).toContainText('Ana');

  // Signing up again with the email shows the same page as a new sign-up (nobody learns which
  // emails have accounts); the mail tells the account's owner, and the used link opens nothing.
  const other = await launch();
  await other.page.goto('/signup');
  await other.page.getByLabel('Email').fill(email.toUpperCase());
  await other.page.getByLabel('Your name').fill('Impostor');
  await other.page.getByLabel('Password').fill('another long password');
  await other.page.getByRole('button', { name: 'Sign up' }).click();
  await expect(other.page.getByRole('status', { name: 'Check your email' })).toBeVisible();
  expect((await nextMailTo(email, before + 1)).subject).toBe('You already have a Bandmate account');
  await other.page.goto(mail.link!);
  await other.page.getByLabel('Password').fill('a good long password');
  await other.page.getByRole('button', { name: 'Make my account' }).click();
  await expect(other.page.locator('p[role=alert]')).toHaveAttribute('data-code', 'email_taken');
  await expect(other.page.getByTestId('signed-in-as')).toHaveCount(0);
});

test('a public room made by a signed-in user is listed and open to anyone', async ({ launch }) => {
  const owner = await launch();
  await signUpViaApi(owner.page, 'Pia');
  await owner.page.goto('/');
  await owner.page.getByLabel('Room name').fill('Open Friday jam');
  await owner.page.getByRole('button', { name: 'Create room' }).click();
  const link = (await owner.page.getByTestId('room-link').textContent())!;
  expect(link).toMatch(/\/room\/[A-Za-z0-9]{10}$/);

  const visitor = await launch();
  await visitor.page.goto('/');
  await expect(visitor.page.getByRole('link', { name: /Open Friday jam/ })).toBeVisible();
  await joinRoom(visitor.page, link.split('/').pop()!, 'Quinn', 'listener');
});

test('a private room: strangers neither see it nor get in; a guest joins by invite; revoked and expired links fail', async ({ launch }) => {
  // The teacher signs up, creates a private room in the lobby and gets an invite link with it.
  const teacher = await launch({ wav: toneWav('ana') });
  await signUpViaApi(teacher.page, 'Teacher');
  await teacher.page.goto('/');
  await teacher.page.getByLabel('Room name').fill('Masterclass');
  await teacher.page.getByLabel('Private (invite links only)').check();
  await teacher.page.getByRole('button', { name: 'Create room' }).click();
  const invite = new URL((await teacher.page.getByTestId('room-link').textContent())!);
  const roomId = invite.pathname.split('/').pop()!;
  const token = invite.searchParams.get('invite')!;
  expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  await teacher.page.getByRole('button', { name: 'Enter the room' }).click();
  await teacher.page.getByLabel('Display name').fill('Teacher');
  await teacher.page.getByRole('button', { name: 'Join' }).click();
  await expect(teacher.page.getByTestId('room')).toHaveAttribute('data-phase', 'joined');
  const panel = teacher.page.getByTestId('invite-panel');
  await expect(panel.locator('[data-status=active]')).toHaveCount(1);

  // A stranger: not in the lobby, the page and the API refuse, so does signalling.
  const stranger = await launch();
  await stranger.page.goto('/');
  await expect(stranger.page.getByRole('heading', { name: 'Open rooms' })).toBeVisible();
  await expect(stranger.page.getByRole('link', { name: /Masterclass/ })).toHaveCount(0);
  await stranger.page.goto(`/room/${roomId}`);
  await expect(stranger.page.locator('p[role=alert]')).toContainText('this room is private');
  await expect(stranger.page.getByText('Masterclass')).toHaveCount(0);
  const api = await stranger.page.request.get(`${SFU_URL}/api/rooms/${roomId}`);
  expect([api.status(), (await api.json()).error.code]).toEqual([403, 'invite_required']);
  expect((await stranger.page.request.get(`${SFU_URL}/api/rooms/${roomId}/invites`)).status()).toBe(401);
  const direct = await signallingAs(stranger.page);
  expect((await joinOnSignalling(direct, roomId)).error?.code).toBe('invite_required');
  const forged = `${token.slice(0, -3)}${token.endsWith('xyz') ? 'abc' : 'xyz'}`;
  expect((await joinOnSignalling(direct, roomId, { invite: forged })).error?.code).toBe('invite_invalid');
  // A signed-in stranger is no better off, and may not list or make invites.
  await signUpViaApi(stranger.page, 'Stranger');
  const signedIn = await signallingAs(stranger.page);
  expect((await joinOnSignalling(signedIn, roomId)).error?.code).toBe('invite_required');
  expect((await stranger.page.request.post(`${SFU_URL}/api/rooms/${roomId}/invites`, { data: {} })).status()).toBe(403);

  // A guest with the link: a display name is enough; the teacher hears them play.
  const guest = await launch({ wav: toneWav('ben') });
  await guest.page.goto(invite.pathname + invite.search);
  await expect(guest.page.getByTestId('join-identity')).toContainText('join as a guest');
  await guest.page.getByLabel('Display name').fill('Ben');
  await guest.page.getByRole('button', { name: 'Join' }).click();
  await expect(guest.page.getByTestId('room')).toHaveAttribute('data-phase', 'joined');
  await expect(teacher.page.getByTestId('presence')).toContainText('Ben');
  await expectTones(teacher.page, await peerId(teacher.page, 'Ben'), TONES.ben);
  await expect(guest.page.getByTestId('signed-in-as')).toContainText('Ben (guest)');
  await expect(guest.page.getByTestId('invite-panel')).toHaveCount(0);
  // Recognised after a reload, by the guest session cookie.
  await guest.page.reload();
  await expect(guest.page.getByTestId('signed-in-as')).toContainText('Ben (guest)');
  await expect(guest.page.getByTestId('join-identity')).toContainText('You join as Ben (guest)');

  // The teacher revokes the link: a newcomer holding it is refused (page, guest step and signalling);
  // Ben, admitted before, still gets back in.
  await panel.locator('[data-status=active]').getByRole('button', { name: 'Revoke' }).click();
  await expect(panel.locator('[data-status=revoked]')).toHaveCount(1);
  const late = await launch();
  await late.page.goto(invite.pathname + invite.search);
  await expect(late.page.locator('p[role=alert]')).toContainText('revoked');
  const lateGuest = await late.page.request.post(`${SFU_URL}/api/auth/guest`, { data: { roomId, invite: token, displayName: 'Late' } });
  expect([lateGuest.status(), (await lateGuest.json()).error.code]).toEqual([403, 'invite_revoked']);
  expect((await joinOnSignalling(signedIn, roomId, { invite: token })).error?.code).toBe('invite_revoked');
  await guest.page.getByRole('button', { name: 'Join' }).click();
  await expect(guest.page.getByTestId('room')).toHaveAttribute('data-phase', 'joined');

  // A link made in the panel, revoked while a newcomer is on the join form: the join is refused there.
  await teacher.page.getByRole('button', { name: 'Create invite link' }).click();
  const fresh = panel.locator('[data-status=active]');
  await expect(fresh).toHaveCount(1);
  const freshLink = new URL((await fresh.getByTestId('invite-link').textContent())!);
  await late.page.goto(freshLink.pathname + freshLink.search);
  await late.page.getByLabel('Display name').fill('Late');
  await fresh.getByRole('button', { name: 'Revoke' }).click();
  await expect(panel.locator('[data-status=active]')).toHaveCount(0);
  await late.page.getByRole('button', { name: 'Join' }).click();
  await expect(late.page.locator('p[role=alert][data-code]')).toHaveAttribute('data-code', 'invite_revoked');
  await expect(late.page.getByTestId('room')).toHaveCount(0);

  // An expired link.
  const brief = await createInviteAs(teacher.page, roomId, { expiresInSeconds: 2 });
  await late.page.waitForTimeout(3000);
  await late.page.goto(brief.path);
  await expect(late.page.locator('p[role=alert]')).toContainText('expired');
  expect((await joinOnSignalling(signedIn, roomId, { invite: brief.token })).error?.code).toBe('invite_expired');
  // A listener-only link offers listening only, and the server holds to it.
  const listen = await createInviteAs(teacher.page, roomId, { role: 'listener' });
  expect((await joinOnSignalling(signedIn, roomId, { invite: listen.token, role: 'musician' })).error?.code).toBe('forbidden');
  await late.page.goto(listen.path);
  await expect(late.page.getByLabel('Play (send my instrument)')).toHaveCount(0);
  await late.page.getByLabel('Display name').fill('Lee');
  await late.page.getByRole('button', { name: 'Join' }).click();
  await expect(late.page.getByTestId('room')).toHaveAttribute('data-phase', 'joined');
  await expect(teacher.page.getByTestId('presence')).toContainText('Lee');
  for (const s of [direct, signedIn]) s.close();
});

test('sign-in attempts on one account are rate-limited with a clear 429', async ({ page }) => {
  const email = uniqueEmail('target');
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) {
    statuses.push((await page.request.post(`${SFU_URL}/api/auth/signin`, { data: { email, password: `guess ${i}` } })).status());
  }
  expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
  expect(statuses.slice(10)).toEqual([429, 429]);
  const res = await page.request.post(`${SFU_URL}/api/auth/signin`, { data: { email, password: 'again' } });
  expect((await res.json()).error).toMatchObject({ code: 'rate_limited', message: expect.stringContaining('too many sign-in attempts') });
  expect(Number(res.headers()['retry-after'])).toBeGreaterThan(0);
});
