import { randomUUID } from 'node:crypto';
import { expect, type Page } from '@playwright/test';
import { io, type Socket } from 'socket.io-client';
import { mailsTo, nextMail, type OutboxMail } from '../../apps/sfu/test/outbox.ts';
import { SFU_URL, WEB_ORIGIN } from './room.ts';

/**
 * Accounts and invites for browser tests. Requests go through `page.request`, which shares the
 * browser context's cookie jar: after `signUpViaApi(page, …)` that browser is signed in. They name
 * the web app as their Origin, as the browser's own requests from its pages do.
 */

export const uniqueEmail = (who: string) => `${who.toLowerCase()}-${randomUUID().slice(0, 8)}@example.com`;

/** Where the SFU of this run keeps its mail (scripts/e2e.mjs sets SFU_MAIL_OUTBOX). */
export const MAIL_OUTBOX = process.env.E2E_MAIL_OUTBOX ?? '';

/** The newest mail to `email` after it had `already` mails: the SFU sends after answering. */
export async function nextMailTo(email: string, already: number): Promise<OutboxMail> {
  if (!MAIL_OUTBOX) throw new Error('E2E_MAIL_OUTBOX is not set: run the browser tests through scripts/e2e.mjs');
  return nextMail(MAIL_OUTBOX, email, already);
}

export const mailCount = async (email: string) => (MAIL_OUTBOX ? (await mailsTo(MAIL_OUTBOX, email)).length : 0);

/** Signs up as a person does (ask, then the mail's link with the password); that browser is then signed in. */
export async function signUpViaApi(page: Page, displayName: string, password = 'a good long password') {
  const email = uniqueEmail(displayName);
  const before = await mailCount(email);
  const asked = await page.request.post(`${SFU_URL}/api/auth/signup`, { data: { email, password, displayName }, headers: { origin: WEB_ORIGIN } });
  expect(asked.status(), await asked.text()).toBe(202);
  const token = new URL((await nextMailTo(email, before)).link!).searchParams.get('token');
  const res = await page.request.post(`${SFU_URL}/api/auth/signup/finish`, { data: { token, password }, headers: { origin: WEB_ORIGIN } });
  expect(res.status(), await res.text()).toBe(201);
  const { user } = (await res.json()) as { user: { id: string } };
  return { email, password, id: user.id };
}

/** A room created by the signed-in browser of `page` (its owner). */
export async function createRoomAs(page: Page, name: string, visibility: 'public' | 'private' = 'private'): Promise<string> {
  const res = await page.request.post(`${SFU_URL}/api/rooms`, { data: { name, visibility }, headers: { origin: WEB_ORIGIN } });
  expect(res.status(), await res.text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

export interface InviteLink {
  id: string;
  token: string;
  /** /room/<id>?invite=<token> */
  path: string;
}

export async function createInviteAs(
  page: Page,
  roomId: string,
  options: { role?: 'musician' | 'listener'; expiresInSeconds?: number } = {},
): Promise<InviteLink> {
  const res = await page.request.post(`${SFU_URL}/api/rooms/${roomId}/invites`, { data: options, headers: { origin: WEB_ORIGIN } });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()) as InviteLink;
}

/** A signalling connection from the test process, optionally carrying a browser's cookies. */
export async function signallingAs(page?: Page): Promise<Socket> {
  const cookies = page ? (await page.context().cookies(SFU_URL)).map((c) => `${c.name}=${c.value}`).join('; ') : '';
  const socket = io(SFU_URL, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: cookies ? { cookie: cookies } : {},
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/** A join straight on the signalling API; the raw answer ({ ok, data } or { ok: false, error }). */
export async function joinOnSignalling(socket: Socket, roomId: string, options: { invite?: string; role?: 'musician' | 'listener' } = {}) {
  const caps = (await socket.timeout(5000).emitWithAck('getRouterRtpCapabilities', { roomId })) as {
    ok: boolean;
    data: { routerRtpCapabilities: unknown };
  };
  expect(caps.ok).toBe(true);
  return (await socket.timeout(5000).emitWithAck('join', {
    roomId,
    displayName: 'Direct',
    role: options.role ?? 'musician',
    rtpCapabilities: caps.data.routerRtpCapabilities,
    ...(options.invite ? { invite: options.invite } : {}),
  })) as { ok: boolean; error?: { code: string; message: string } };
}
