'use client';

import Link from 'next/link';
import { signOut } from '../lib/auth-api';
import { useCurrentUser } from '../lib/use-current-user';
import { resolveSfuUrl, type SfuLocation } from '../lib/sfu-url';

/** The header's account corner: who is signed in (or a guest) and sign-out, else sign-in / sign-up links. */
export function AccountMenu({ sfu }: { sfu: SfuLocation }) {
  const me = useCurrentUser(sfu);

  if (me === undefined) return <span className="text-xs text-gray-500" aria-hidden />;
  if (me === null) {
    return (
      <nav className="flex items-center gap-3 text-sm" data-testid="account">
        <Link href="/signin" className="hover:text-accent">
          Sign in
        </Link>
        <Link href="/signup" className="rounded-md bg-stage-700 px-3 py-1 hover:bg-stage-800">
          Sign up
        </Link>
      </nav>
    );
  }
  return (
    <div className="flex items-center gap-3 text-sm" data-testid="account" data-user-id={me.id}>
      <span data-testid="signed-in-as">
        {me.displayName}
        <span className="text-gray-500">{me.guest ? ' (guest)' : ` · ${me.email}`}</span>
      </span>
      <button
        className="rounded-md bg-stage-700 px-3 py-1 hover:bg-stage-800"
        onClick={() =>
          void signOut(resolveSfuUrl(sfu))
            .catch(() => null)
            // A full reload: every part of the page (and the signalling connection) starts anonymous.
            .then(() => window.location.assign('/'))
        }
      >
        Sign out
      </button>
    </div>
  );
}
