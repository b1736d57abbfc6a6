'use client';

import { useEffect, useState } from 'react';
import type { CurrentUser } from '@bandmate/shared';
import { AUTH_CHANGED_EVENT, fetchMe } from './auth-api';
import { resolveSfuUrl, type SfuLocation } from './sfu-url';

/**
 * Who is signed in at this SFU (null: nobody; undefined: not known yet), asked again whenever
 * a page signs in, up or out.
 */
export function useCurrentUser(sfu: SfuLocation | string | undefined): CurrentUser | null | undefined {
  const [me, setMe] = useState<CurrentUser | null | undefined>(undefined);
  // A location resolves against the page's host, so only in the browser (in the effect); `key`
  // stands for its value in the dependencies.
  const key = typeof sfu === 'object' ? `${sfu.url ?? ''}:${sfu.port}` : sfu;
  useEffect(() => {
    if (!sfu) return;
    const sfuUrl = typeof sfu === 'string' ? sfu : resolveSfuUrl(sfu);
    const load = () => void fetchMe(sfuUrl).then(setMe, () => setMe(null));
    load();
    window.addEventListener(AUTH_CHANGED_EVENT, load);
    return () => window.removeEventListener(AUTH_CHANGED_EVENT, load);
  }, [key]);
  return me;
}
