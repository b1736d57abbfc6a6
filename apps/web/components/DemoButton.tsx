'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { resolveSfuUrl, type SfuLocation } from '../lib/sfu-url';

function useOpenDemo(sfu: SfuLocation) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function openDemo() {
    setBusy(true);
    setError(null);
    try {
      const res = await fetch(`${resolveSfuUrl(sfu)}/api/demo`, { method: 'POST', credentials: 'include' });
      const body = (await res.json().catch(() => ({}))) as { id?: string; error?: { message?: string } };
      if (!res.ok || !body.id) throw new Error(body.error?.message ?? `the server answered ${res.status}`);
      router.push(`/room/${body.id}`);
    } catch (err) {
      setError(`Could not open a demo room: ${(err as Error).message}`);
      setBusy(false);
    }
  }
  return { openDemo, busy, error };
}

/** "No band at hand?": a room with a virtual band playing and the AI switched on. */
export function DemoButton({ sfu }: { sfu: SfuLocation }) {
  const { openDemo, busy, error } = useOpenDemo(sfu);
  return (
    <div className="mt-4 border-t border-stage-800 pt-4">
      <p className="mb-2 text-sm text-gray-400">No band at hand? A virtual band plays a loop and the AI joins in; play along.</p>
      <button className="rounded-md bg-stage-700 px-4 py-2 font-medium hover:bg-stage-600 disabled:opacity-50" onClick={openDemo} disabled={busy}>
        {busy ? 'Opening…' : 'Demo room'}
      </button>
      {error && (
        <p role="alert" className="mt-2 text-sm text-red-400">
          {error}
        </p>
      )}
    </div>
  );
}

/** /demo (what `npm run demo` prints): opens a fresh demo room straight away. */
export function OpenDemo({ sfu }: { sfu: SfuLocation }) {
  const { openDemo, error } = useOpenDemo(sfu);
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void openDemo();
  });
  return error ? (
    <p role="alert" className="text-red-400">
      {error}
    </p>
  ) : (
    <p className="text-gray-400">Opening a demo room…</p>
  );
}
