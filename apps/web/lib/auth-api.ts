import {
  finishSignUpResponseSchema,
  inviteListSchema,
  inviteSummarySchema,
  memberListSchema,
  meResponseSchema,
  signUpResponseSchema,
  type CreateInviteRequest,
  type CurrentUser,
  type InviteSummary,
  type RoomMemberSummary,
} from '@bandmate/shared';
import { call } from './rooms-api';

/**
 * Accounts and invites on the SFU's API. The session lives in an HttpOnly cookie the SFU sets;
 * this page never sees it, it only sends it along (credentials: 'include' in `call`).
 */

const user = (b: unknown) => meResponseSchema.parse(b).user;

export const fetchMe = (sfu: string): Promise<CurrentUser | null> => call(`${sfu}/api/auth/me`, { method: 'GET' }, user);

/** Asks for an account: a mail goes to the address (a link to finish, or a note that it has one). */
export const signUp = (sfu: string, body: { email: string; password: string; displayName: string; next?: string }) =>
  call(`${sfu}/api/auth/signup`, { method: 'POST', body: JSON.stringify(body) }, (b) => signUpResponseSchema.parse(b));

/** The mail's link, with the password chosen at sign-up: the account exists and this browser is in it. */
export const finishSignUp = (sfu: string, body: { token: string; password: string }) =>
  call(`${sfu}/api/auth/signup/finish`, { method: 'POST', body: JSON.stringify(body) }, (b) => finishSignUpResponseSchema.parse(b)).then((r) => {
    announced(r.user);
    return r;
  });

export const signIn = (sfu: string, body: { email: string; password: string }) =>
  call(`${sfu}/api/auth/signin`, { method: 'POST', body: JSON.stringify(body) }, user).then(announced);

export const signOut = (sfu: string) => call(`${sfu}/api/auth/signout`, { method: 'POST', body: '{}' }, user).then(announced);

/** A guest account for someone holding an invite link: a display name is all it takes. */
export const joinAsGuest = (sfu: string, body: { roomId: string; invite: string; displayName: string }) =>
  call(`${sfu}/api/auth/guest`, { method: 'POST', body: JSON.stringify(body) }, user).then(announced);

export const listInvites = (sfu: string, roomId: string): Promise<InviteSummary[]> =>
  call(`${sfu}/api/rooms/${encodeURIComponent(roomId)}/invites`, { method: 'GET' }, (b) => inviteListSchema.parse(b).invites);

export const createInvite = (sfu: string, roomId: string, body: CreateInviteRequest): Promise<InviteSummary> =>
  call(`${sfu}/api/rooms/${encodeURIComponent(roomId)}/invites`, { method: 'POST', body: JSON.stringify(body) }, (b) =>
    inviteSummarySchema.parse(b),
  );

export const revokeInvite = (sfu: string, roomId: string, inviteId: string): Promise<InviteSummary> =>
  call(
    `${sfu}/api/rooms/${encodeURIComponent(roomId)}/invites/${encodeURIComponent(inviteId)}/revoke`,
    { method: 'POST', body: '{}' },
    (b) => inviteSummarySchema.parse(b),
  );

export const listMembers = (sfu: string, roomId: string): Promise<RoomMemberSummary[]> =>
  call(`${sfu}/api/rooms/${encodeURIComponent(roomId)}/members`, { method: 'GET' }, (b) => memberListSchema.parse(b).members);

/** Ends a member's membership: out of the room now, no way back without a new invite link. */
export const removeMember = (sfu: string, roomId: string, userId: string): Promise<unknown> =>
  call(`${sfu}/api/rooms/${encodeURIComponent(roomId)}/members/${encodeURIComponent(userId)}/remove`, { method: 'POST', body: '{}' }, (b) => b);

/** Tells the page header (AccountMenu) that who is signed in changed. */
export const AUTH_CHANGED_EVENT = 'bandmate:auth';

function announced(u: CurrentUser | null): CurrentUser | null {
  window.dispatchEvent(new CustomEvent(AUTH_CHANGED_EVENT, { detail: u }));
  return u;
}

/** Stands in for the page's origin where there is no page (server rendering); only its sameness counts. */
const NO_PAGE_ORIGIN = 'http://page.invalid';

/**
 * Where to go after signing in: only a path on this site (no open redirect to another one).
 * Parsed the way the browser will parse it, because string checks miss what the URL parser does:
 * it drops tabs and newlines (`/\t/evil.example`) and reads `\` as `/`. What comes back is the
 * parsed path, never the raw text, so the browser cannot read it differently.
 */
export function safeNext(next: string | null, pageOrigin = typeof window === 'undefined' ? NO_PAGE_ORIGIN : window.location.origin): string {
  if (!next) return '/';
  let url: URL;
  try {
    url = new URL(next, pageOrigin);
  } catch {
    return '/';
  }
  if (url.origin !== pageOrigin) return '/';
  // `/a/..//evil.example` is same-origin here, but the path `//evil.example` alone would not be.
  if (url.pathname.startsWith('//')) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}
