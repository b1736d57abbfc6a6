import { AUTH_LIMITS } from '@bandmate/shared';
import type { Logger } from '../logger.ts';
import type { Mail, Mailer } from '../mail/mailer.ts';
import type { SignUpClaim, SignUpLinks } from './signup-links.ts';

/**
 * The two mails a sign-up can send: the link that finishes it, or, when the email has an account
 * already, a note saying so. They go out in the background: the answer to the sign-up must not
 * wait on the mail server, or its timing would tell the two cases apart.
 */
export class SignUpMail {
  private readonly sending = new Set<Promise<void>>();

  constructor(
    private readonly deps: { links: SignUpLinks; mailer: Mailer; webUrl: string; logger: Logger },
  ) {}

  get links(): SignUpLinks {
    return this.deps.links;
  }

  sendLink(claim: SignUpClaim): void {
    const link = `${this.deps.webUrl}/signup/finish?token=${this.deps.links.seal(claim)}`;
    this.send({
      to: claim.email,
      subject: 'Finish signing up to Bandmate',
      link,
      text: [
        `Hello ${claim.displayName},`,
        '',
        'Open this link and type the password you chose to finish making your Bandmate account:',
        '',
        link,
        '',
        `The link works for ${AUTH_LIMITS.signUpLinkHours} hours. If you did not sign up, ignore this mail: without the password nothing happens.`,
      ].join('\n'),
    });
  }

  sendAccountExists(email: string): void {
    const link = `${this.deps.webUrl}/signin`;
    this.send({
      to: email,
      subject: 'You already have a Bandmate account',
      link,
      text: [
        'Someone (you, we hope) asked to sign up to Bandmate with this email, which has an account already.',
        '',
        `Sign in here instead: ${link}`,
        '',
        'If it was not you, ignore this mail: nothing about your account changed.',
      ].join('\n'),
    });
  }

  /** Resolves when every mail started so far has been handed over or has failed. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.sending]);
  }

  private send(mail: Mail): void {
    const sent = this.deps.mailer.send(mail).catch((err: unknown) => {
      // The person asked for a mail that will not come: the operator must see why.
      this.deps.logger.error({ err, subject: mail.subject }, 'could not send a sign-up mail');
    });
    this.sending.add(sent);
    void sent.finally(() => this.sending.delete(sent));
  }
}
