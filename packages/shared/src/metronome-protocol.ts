import { z } from 'zod';
import { beatsPerBarSchema, bpmSchema, tempoStateSchema } from './tempo.ts';

/**
 * Clock synchronisation and metronome messages, merged into the signalling protocol
 * (signalling.ts). The click itself never crosses the network: only the grid does.
 */

const clockTime = z.number().finite();

export const metronomeRequests = {
  /**
   * NTP-style ping: the browser sends its clock (t0); the SFU answers with the times it
   * received (t1) and answered (t2) on its monotonic high-resolution clock, all in ms.
   * Allowed before joining, so a page can sync while the user fills in the form.
   */
  clockSync: {
    request: z.strictObject({ t0: clockTime }),
    response: z.object({ t0: clockTime, t1: clockTime, t2: clockTime }),
  },
  /** Host only: tempo and metre; a running grid changes at its next bar line. */
  setTempo: {
    request: z
      .strictObject({ bpm: bpmSchema.optional(), beatsPerBar: beatsPerBarSchema.optional() })
      .refine((r) => r.bpm !== undefined || r.beatsPerBar !== undefined, 'give bpm and/or beatsPerBar'),
    response: tempoStateSchema,
  },
  /** Host only: a one-bar count-in, then the bars run until stopped. */
  startMetronome: {
    request: z.strictObject({}),
    response: tempoStateSchema,
  },
  stopMetronome: {
    request: z.strictObject({}),
    response: tempoStateSchema,
  },
} as const;

export const metronomeNotifications = {
  tempo: tempoStateSchema,
} as const;
