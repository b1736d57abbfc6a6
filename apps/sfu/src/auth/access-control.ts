import type { AccessRepository } from '../db/types.ts';
import type { HttpAccess } from '../http/http-api.ts';
import type { Logger } from '../logger.ts';
import { AccessLimits } from './access-limits.ts';
import type { AuthConfig } from './auth-config.ts';
import { createAuthRoutes } from './auth-routes.ts';
import { loadInviteSecret } from './invite-secret.ts';
import { RejoinTokens } from './rejoin-tokens.ts';
import { RelayTokens } from './relay-tokens.ts';
import { InviteBook } from './invites.ts';
import { RoomAccess, type LiveRoomView } from './room-access.ts';
import { SessionService } from './sessions.ts';
import { SignUpLinks } from './signup-links.ts';
import { SignUpMail } from './signup-mail.ts';
import type { Mailer } from '../mail/mailer.ts';

export type AccessControlStore = Pick<
  AccessRepository,
  | 'createUser'
  | 'createGuestUser'
  | 'upgradeGuest'
  | 'getUser'
  | 'findUserByEmail'
  | 'createAuthSession'
  | 'findAuthSession'
  | 'touchAuthSession'
  | 'deleteAuthSession'
  | 'deleteExpiredAuthSessions'
  | 'createInvite'
  | 'getInvite'
  | 'listInvites'
  | 'revokeInvite'
  | 'getRoomAccess'
  | 'roomMembership'
  | 'listRoomMembers'
  | 'removeRoomMember'
>;

export interface AccessControl {
  /** Who someone is, room ownership/membership, the join rules (signalling uses it). */
  access: RoomAccess;
  /** The HTTP routes and rules (http-api.ts takes it as `access`). */
  http: HttpAccess;
  /** Resolves once the mails being sent have gone (or failed). */
  settled(): Promise<void>;
}

/** Wires accounts, sessions, invites and the access rate limits from the SFU's config. */
export function createAccessControl(options: {
  config: AuthConfig;
  databaseUrl: string | undefined;
  store: AccessControlStore;
  liveRoom: (roomId: string) => LiveRoomView | undefined;
  /** Ends a removed member's presence in the live room (and keeps them out of its session). */
  endLiveMembership?: (roomId: string, userId: string) => void;
  /** Sign-up mail: how it goes, and the web app's address for its links. */
  mail: { mailer: Mailer; webUrl: string };
  logger: Logger;
}): AccessControl {
  const { config, store, logger } = options;
  const secret = loadInviteSecret({ secret: config.inviteSecret, file: config.inviteSecretFile, databaseUrl: options.databaseUrl });
  logger.info({ inviteSecret: secret.source }, 'invite links signed with the secret from here');
  const sessions = new SessionService(store, config.sessionTtlMs);
  const invites = new InviteBook(store, secret.key);
  const limits = new AccessLimits(config.limits);
  const rejoinTokens = new RejoinTokens(secret.key);
  const access = new RoomAccess({ store, sessions, invites, limits, liveRoom: options.liveRoom, rejoinTokens, relayTokens: new RelayTokens(secret.key), trustProxy: config.trustProxy });
  const signUps = new SignUpMail({ links: new SignUpLinks(secret.key), ...options.mail, logger });
  const http = createAuthRoutes({ store, sessions, invites, access, limits, signUps, logger, endLiveMembership: options.endLiveMembership });
  return { access, http, settled: () => signUps.settled() };
}
