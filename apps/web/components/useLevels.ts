'use client';

import { useEffect, useState } from 'react';
import type { MixerGraph, StripLevels } from '../media/mixer-graph';

/** Polls the meters of the given sources ~15 times a second. */
export function useLevels(graph: MixerGraph | undefined, ids: string[]): Record<string, StripLevels> {
  const [levels, setLevels] = useState<Record<string, StripLevels>>({});
  const key = ids.join(',');
  useEffect(() => {
    if (!graph) return;
    const timer = setInterval(() => {
      const next: Record<string, StripLevels> = {};
      for (const id of key.split(',')) {
        const l = id ? graph.levels(id) : undefined;
        if (l) next[id] = l;
      }
      setLevels(next);
    }, 66);
    return () => clearInterval(timer);
  }, [graph, key]);
  return levels;
}
