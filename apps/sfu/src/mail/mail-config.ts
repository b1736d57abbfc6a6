import path from 'node:path';
import { z } from 'zod';
import { dataDirectory } from '../db/url.ts';
import { parseEnv } from '../env.ts';

/**
 * Where the SFU's mail goes (sign-up links): an SMTP server when SFU_SMTP_URL is set, else an
 * outbox folder on this machine (one JSON file per mail) with each link also written to the log,
 * so `npm start` on one machine needs no mail server.
 */
const envSchema = z.object({
  /** smtp://user:pass@host:587 (STARTTLS when offered) or smtps://…:465. */
  SFU_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'SFU_SMTP_URL must look like smtp://user:password@mail.example.com:587')
    .optional(),
  SFU_MAIL_FROM: z.string().min(3).max(200).default('Bandmate <no-reply@localhost>'),
  /** The outbox folder when there is no SMTP server; default: next to the SQLite file, else data/outbox. */
  SFU_MAIL_OUTBOX: z.string().min(1).optional(),
  /** The web app's address as people reach it, for links in mail; default: the first of SFU_CORS_ORIGINS. */
  SFU_PUBLIC_WEB_URL: z.url({ protocol: /^https?$/ }).optional(),
});

export type MailConfig = ReturnType<typeof loadMailConfig>;

export function loadMailConfig(env: Record<string, string | undefined>, defaults: { webOrigin: string; databaseUrl: string | undefined }) {
  // Empty counts as unset, so `SFU_SMTP_URL: ${SMTP_URL:-}` in Compose means "no SMTP server".
  const set = (v: string | undefined) => (v === '' ? undefined : v);
  const e = parseEnv(envSchema, {
    SFU_SMTP_URL: set(env.SFU_SMTP_URL),
    SFU_MAIL_FROM: set(env.SFU_MAIL_FROM),
    SFU_MAIL_OUTBOX: set(env.SFU_MAIL_OUTBOX),
    SFU_PUBLIC_WEB_URL: set(env.SFU_PUBLIC_WEB_URL),
  });
  return {
    smtpUrl: e.SFU_SMTP_URL,
    from: e.SFU_MAIL_FROM,
    outbox: e.SFU_MAIL_OUTBOX ?? defaultOutbox(defaults.databaseUrl),
    webUrl: (e.SFU_PUBLIC_WEB_URL ?? defaults.webOrigin).replace(/\/+$/, ''),
  };
}

function defaultOutbox(databaseUrl: string | undefined): string {
  return path.join(dataDirectory(databaseUrl), 'outbox');
}
