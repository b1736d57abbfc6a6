import {
  inviteListSchema,
  inviteSummarySchema,
  meResponseSchema,
  type CreateInviteRequest,
  type CurrentUser,
  type InviteSummary,
} from '@bandmate/shared';
import { call } from './rooms-api';

/**
 * Accounts and invites on the SFU's API. The session lives in an HttpOnly cookie the SFU sets;
 * this page never sees it, it only sends it along (credentials: 'include' in `call`).
 */

const user = (b: unknown) => meResponseSchema.parse(b).user;

export const fetchMe = (sfu: string): Promise<CurrentUser | null> => call(`${sfu}/api/auth/me`, { method: 'GET' }, user);

export const signUp = (sfu: string, body: { email: string; password: string; displayName: string }) =>
  call(`${sfu}/api/auth/signup`, { method: 'POST', body: JSON.stringify(body) }, user).then(announced);

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

/** Tells the page header (AccountMenu) that who is signed in changed. */
export const AUTH_CHANGED_EVENT = 'bandmate:auth';

function announced(u: CurrentUser | null): CurrentUser | null {
  window.dispatchEvent(new CustomEvent(AUTH_CHANGED_EVENT, { detail: u }));
  return u;
}

/** Where to go after signing in: only a path on this site (no open redirect to another one). */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}
