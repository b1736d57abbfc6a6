/**
 * Every error a client can branch on, defined once for signalling, HTTP and the worker protocol:
 * its code, and the HTTP status it answers with where HTTP carries it. Messages are for people.
 */
export const ERRORS = {
  bad_request: 400,
  too_large: 413,
  rate_limited: 429,
  not_found: 404,
  room_full: 409,
  /** The account is joined (in any rooms, any tabs) SFU_MAX_PEERS_PER_ACCOUNT times already; leave one first. */
  account_peers_full: 409,
  not_joined: 409,
  already_joined: 409,
  forbidden: 403,
  /** A host control asked for by someone who is not the room's host. */
  not_host: 403,
  /** The host muted this participant; only the host can unmute them. */
  host_muted: 403,
  /** The host removed this participant; they cannot rejoin until the room session ends. */
  removed: 403,
  /** The host made this participant listen-only; they may rejoin as a listener. */
  listen_only: 403,
  /** Accounts and room access (apps/sfu/src/auth): sign in, or bring a valid invite link. */
  auth_required: 401,
  invalid_credentials: 401,
  email_taken: 409,
  /** A sign-up link that is malformed, altered or older than AUTH_LIMITS.signUpLinkHours: sign up again. */
  signup_link_invalid: 400,
  invite_required: 403,
  invite_invalid: 403,
  invite_expired: 403,
  invite_revoked: 403,
  room_locked: 403,
  /** Recording (packages/shared/src/recording.ts): the room is recording already / is not recording. */
  already_recording: 409,
  not_recording: 409,
  /** The server cannot record now (too many recordings running, too little disk space). */
  recording_unavailable: 503,
  /** The room keeps RECORDINGS_MAX_PER_ROOM recordings already: its owner deletes some, or old ones expire. */
  recordings_full: 409,
  /** The AI workers' `/agent` connection (apps/sfu/src/agents): wrong or missing AGENT_SECRET / the SFU has SFU_AGENT_MAX_WORKERS already. */
  agent_unauthorised: 401,
  agent_busy: 409,
  /** AI players (ai-protocol.ts): the room has AI_PLAYERS_MAX already / the loaded model does not play that instrument / no worker is connected. */
  ai_players_full: 409,
  ai_instrument_unavailable: 400,
  ai_unavailable: 503,
  /** Every connected AI worker that plays the instrument runs as many players as it can. */
  ai_pool_full: 503,
  /** HTTP only: the method or the body's content type is not one the route takes. */
  method_not_allowed: 405,
  unsupported_media_type: 415,
  /** A recording still running or being saved / whose file is gone from the server. */
  not_ready: 409,
  gone: 410,
  /** Demo rooms: this server runs none (DEMO_MAX_ROOMS=0) / all of them are in use. */
  demo_off: 404,
  demo_busy: 503,
  /** Several SFU nodes share the database and the room's session runs on another one (the message says which). */
  room_elsewhere: 421,
  /**
   * The server's database is down, restarting or locked by another process: the request did not
   * go through (a live room carries on without it); try again in a few seconds.
   */
  unavailable: 503,
  internal: 500,
} as const satisfies Record<string, number>;
export type ErrorCode = keyof typeof ERRORS;
export const ERROR_CODES = Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]];

/** The HTTP status of an error code (a code nobody defined answers as a server failure). */
export function httpStatusOf(code: ErrorCode): number {
  return ERRORS[code] ?? 500;
}

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
