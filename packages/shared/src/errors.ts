/** Error codes a client can branch on; messages are for people. */
export const ERROR_CODES = [
  'bad_request',
  'too_large',
  'rate_limited',
  'not_found',
  'room_full',
  /** The account is joined (in any rooms, any tabs) SFU_MAX_PEERS_PER_ACCOUNT times already; leave one first. */
  'account_peers_full',
  'not_joined',
  'already_joined',
  'forbidden',
  /** A host control asked for by someone who is not the room's host. */
  'not_host',
  /** The host muted this participant; only the host can unmute them. */
  'host_muted',
  /** The host removed this participant; they cannot rejoin until the room session ends. */
  'removed',
  /** The host made this participant listen-only; they may rejoin as a listener. */
  'listen_only',
  /** Accounts and room access (apps/sfu/src/auth): sign in, or bring a valid invite link. */
  'auth_required',
  'invalid_credentials',
  'email_taken',
  /** A sign-up link that is malformed, altered or older than AUTH_LIMITS.signUpLinkHours: sign up again. */
  'signup_link_invalid',
  'invite_required',
  'invite_invalid',
  'invite_expired',
  'invite_revoked',
  'room_locked',
  /** Recording (packages/shared/src/recording.ts): the room is recording already / is not recording. */
  'already_recording',
  'not_recording',
  /** The server cannot record now (too many recordings running, too little disk space). */
  'recording_unavailable',
  /** The room keeps RECORDINGS_MAX_PER_ROOM recordings already: its owner deletes some, or old ones expire. */
  'recordings_full',
  /** The AI worker's `/agent` connection (apps/sfu/src/agents): wrong or missing AGENT_SECRET / a worker is connected already. */
  'agent_unauthorised',
  'agent_busy',
  /** AI players (ai-protocol.ts): the room has AI_PLAYERS_MAX already / the loaded model does not play that instrument / no worker is connected. */
  'ai_players_full',
  'ai_instrument_unavailable',
  'ai_unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface SignalError {
  code: ErrorCode;
  message: string;
}

export class SignalRequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SignalRequestError';
  }
}
