'use client';

import { useState } from 'react';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { AUTH_LIMITS } from '@bandmate/shared';
import { safeNext, signIn, signUp } from '../lib/auth-api';
import { ApiError } from '../lib/rooms-api';
import { resolveSfuUrl, type SfuLocation } from '../lib/sfu-url';

/** Sign in or sign up with email and password; then back where the visitor came from (?next=). */
export function AuthForm({ mode, sfu }: { mode: 'signin' | 'signup'; sfu: SfuLocation }) {
  const next = safeNext(useSearchParams().get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  /** Sign-up asked: the address the mail went to. */
  const [mailedTo, setMailedTo] = useState<string | null>(null);
  const signingUp = mode === 'signup';
  const other = signingUp ? '/signin' : '/signup';

  async function onSubmit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const sfuUrl = resolveSfuUrl(sfu);
      if (signingUp) {
        const asked = await signUp(sfuUrl, { email, password, displayName, ...(next === '/' ? {} : { next }) });
        setMailedTo(asked.email);
        setBusy(false);
        return;
      }
      await signIn(sfuUrl, { email, password });
      // A full navigation, so the next page (and its signalling connection) starts with the new cookie.
      window.location.assign(next);
    } catch (e) {
      setError({ code: e instanceof ApiError ? e.code : 'internal', message: (e as Error).message });
      setBusy(false);
    }
  }

  if (mailedTo) {
    return (
      <section role="status" aria-label="Check your email" className="mx-auto flex max-w-sm flex-col gap-3 rounded-xl border border-stage-800 bg-stage-900 p-5">
        <h1 className="text-xl font-semibold">Check your email</h1>
        <p className="text-sm text-gray-300">
          We sent a mail to <strong data-testid="mailed-to">{mailedTo}</strong>. Open its link and type your password again to finish; the link works
          for {AUTH_LIMITS.signUpLinkHours} hours.
        </p>
        <p className="text-xs text-gray-500">If this address has an account already, the mail says so: sign in instead.</p>
      </section>
    );
  }

  const input = 'rounded-md border border-stage-700 bg-stage-950 px-3 py-2 outline-none focus:border-accent';
  return (
    <form onSubmit={onSubmit} className="mx-auto flex max-w-sm flex-col gap-4 rounded-xl border border-stage-800 bg-stage-900 p-5">
      <h1 className="text-xl font-semibold">{signingUp ? 'Create your account' : 'Sign in'}</h1>
      <label className="flex flex-col gap-1 text-sm">
        Email
        <input aria-label="Email" type="email" autoComplete="email" required maxLength={AUTH_LIMITS.emailMax} className={input} value={email} onChange={(e) => setEmail(e.target.value)} />
      </label>
      {signingUp && (
        <label className="flex flex-col gap-1 text-sm">
          Name shown to your band
          <input aria-label="Your name" required maxLength={40} className={input} value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
        </label>
      )}
      <label className="flex flex-col gap-1 text-sm">
        Password
        <input
          aria-label="Password"
          type="password"
          autoComplete={signingUp ? 'new-password' : 'current-password'}
          required
          minLength={signingUp ? AUTH_LIMITS.passwordMin : 1}
          maxLength={AUTH_LIMITS.passwordMax}
          className={input}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {signingUp && <span className="text-xs text-gray-500">At least {AUTH_LIMITS.passwordMin} characters; not a common password, not your email.</span>}
      </label>
      {error && (
        <p role="alert" data-code={error.code} className="rounded-md bg-red-500/10 p-2 text-sm text-red-300">
          {error.message}
        </p>
      )}
      <button type="submit" disabled={busy} className="rounded-md bg-accent px-4 py-2 font-medium text-black disabled:opacity-50">
        {busy ? 'One moment…' : signingUp ? 'Sign up' : 'Sign in'}
      </button>
      <p className="text-sm text-gray-400">
        {signingUp ? 'Have an account? ' : 'New here? '}
        <Link className="text-accent underline" href={next === '/' ? other : `${other}?next=${encodeURIComponent(next)}`}>
          {signingUp ? 'Sign in' : 'Create an account'}
        </Link>
      </p>
    </form>
  );
}
