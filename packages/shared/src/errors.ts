/** Error codes a client can branch on; messages are for people. */
export const ERROR_CODES = [
  'bad_request',
  'too_large',
  'rate_limited',
  'not_found',
  'room_full',
  'not_joined',
  'already_joined',
  'forbidden',
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
