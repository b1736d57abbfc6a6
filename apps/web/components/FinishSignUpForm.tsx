'use client';

import { useState } from 'react';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { AUTH_LIMITS } from '@bandmate/shared';
import { finishSignUp, safeNext } from '../lib/auth-api';
import { ApiError } from '../lib/rooms-api';
import { resolveSfuUrl, type SfuLocation } from '../lib/sfu-url';

/**
 * The sign-up mail's link: the password chosen at sign-up, typed again, makes the account. The link
 * alone is not enough, so a mail someone forwards, or a sign-up made in someone else's name, opens nothing.
 */
export function FinishSignUpForm({ sfu }: { sfu: SfuLocation }) {
  const token = useSearchParams().get('token') ?? '';
  const [password, setPassword] = useState('');
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const done = await finishSignUp(resolveSfuUrl(sfu), { token, password });
      // A full navigation, so the next page (and its signalling connection) starts with the new cookie.
      window.location.assign(safeNext(done.next));
    } catch (e) {
      setError({ code: e instanceof ApiError ? e.code : 'internal', message: (e as Error).message });
      setBusy(false);
    }
  }

  const restart = error && ['signup_link_invalid', 'bad_request'].includes(error.code);
  return (
    <form onSubmit={onSubmit} className="mx-auto flex max-w-sm flex-col gap-4 rounded-xl border border-stage-800 bg-stage-900 p-5">
      <h1 className="text-xl font-semibold">Finish signing up</h1>
      <label className="flex flex-col gap-1 text-sm">
        The password you chose
        <input
          aria-label="Password"
          type="password"
          autoComplete="current-password"
          required
          maxLength={AUTH_LIMITS.passwordMax}
          className="rounded-md border border-stage-700 bg-stage-950 px-3 py-2 outline-none focus:border-accent"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      {error && (
        <p role="alert" data-code={error.code} className="rounded-md bg-red-500/10 p-2 text-sm text-red-300">
          {error.message}
          {error.code === 'email_taken' && (
            <>
              {' '}
              <Link className="text-accent underline" href="/signin">
                Sign in
              </Link>
            </>
          )}
          {restart && (
            <>
              {' '}
              <Link className="text-accent underline" href="/signup">
                Sign up again
              </Link>
            </>
          )}
        </p>
      )}
      <button type="submit" disabled={busy || !token} className="rounded-md bg-accent px-4 py-2 font-medium text-black disabled:opacity-50">
        {busy ? 'One moment…' : 'Make my account'}
      </button>
    </form>
  );
}
