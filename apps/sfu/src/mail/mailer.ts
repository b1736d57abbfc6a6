import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from '../logger.ts';
import type { MailConfig } from './mail-config.ts';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** The one link the mail is about (also in `text`); the outbox logs it. */
  link?: string;
}

export interface Mailer {
  /** Sends, or throws; callers that must not wait (or leak timing) do not await it. */
  send(mail: Mail): Promise<void>;
  readonly describe: string;
}

/** SMTP through nodemailer (pooled connections, so a burst of sign-ups reuses one). */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    const u = new URL(url);
    this.transport = nodemailer.createTransport({
      host: u.hostname,
      port: Number(u.port) || (u.protocol === 'smtps:' ? 465 : 587),
      secure: u.protocol === 'smtps:',
      auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
      pool: true,
      maxConnections: 2,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
    this.describe = `SMTP ${u.hostname}:${u.port || (u.protocol === 'smtps:' ? 465 : 587)}`;
  }

  readonly describe: string;

  async send(mail: Mail): Promise<void> {
    await this.transport.sendMail({ from: this.from, to: mail.to, subject: mail.subject, text: mail.text });
  }

  close(): void {
    this.transport.close();
  }
}

/**
 * No mail server: each mail becomes `<time>-<id>.json` in a folder (mode 0600: the links open
 * accounts), and its link goes to the log, where whoever runs the machine finds it.
 */
export class OutboxMailer implements Mailer {
  readonly describe: string;

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
  ) {
    this.describe = `outbox ${dir}`;
  }

  async send(mail: Mail): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const sentAt = new Date();
    const file = path.join(this.dir, `${sentAt.getTime()}-${randomUUID().slice(0, 8)}.json`);
    // Written aside and renamed: whoever reads the folder never sees half a mail.
    await writeFile(`${file}.part`, `${JSON.stringify({ ...mail, sentAt: sentAt.toISOString() }, null, 2)}\n`, { mode: 0o600 });
    await rename(`${file}.part`, file);
    this.logger.info({ to: mail.to, subject: mail.subject, link: mail.link }, 'no SMTP server (SFU_SMTP_URL): mail kept in the outbox');
  }
}

export function createMailer(config: MailConfig, logger: Logger): Mailer & { close?(): void } {
  return config.smtpUrl ? new SmtpMailer(config.smtpUrl, config.from) : new OutboxMailer(config.outbox, logger);
}
