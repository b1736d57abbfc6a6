import type { PeerInfo } from '@bandmate/shared';

/** What a host control (or the own mic's pause/resume) came to: the server's ruling. */
export type ControlResult = { ok: true } | { ok: false; code: string; message: string };

/** The line to show a player whose role or mute the host just changed (undefined: nothing changed). */
export function noticeForSelfChange(before: PeerInfo | undefined, after: PeerInfo): string | undefined {
  if (before?.role !== after.role) {
    return after.role === 'listener'
      ? 'The host made you listen-only: nobody hears your instrument.'
      : 'The host lets you play again.';
  }
  if (!!before?.hostMuted !== !!after.hostMuted) {
    return after.hostMuted
      ? 'The host muted you: nobody hears you until the host unmutes you.'
      : 'The host unmuted you: everyone hears you again.';
  }
  return undefined;
}
