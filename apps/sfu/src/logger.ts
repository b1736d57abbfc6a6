import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'sfu'): Logger {
  return pino({ name, level });
}

/** Query parameters that carry a credential: a recordings pass, an invite link's token. */
const CREDENTIAL_PARAMS = /([?&](?:access|invite)=)[^&#]*/gi;

/** A request URL fit for the logs, which are kept longer and read by more people than the tokens are meant for. */
export function loggableUrl(url: string | undefined): string | undefined {
  return url?.replace(CREDENTIAL_PARAMS, '$1[redacted]');
}
