import { z } from 'zod';

/**
 * The host's controls over a room and its participants (requests, answers and the
 * notifications they cause). The SFU refuses every one of them to anyone but the
 * room's current host with `not_host`.
 */

const peerId = z.string().min(1).max(64);

/** The signalling requests of this file (their schemas sit in signalling.ts's `requests`). */
export const HOST_CONTROL_REQUESTS = [
  'muteParticipant',
  'setParticipantRole',
  'removeParticipant',
  'lockRoom',
  'handOverHost',
  'pauseProducer',
  'resumeProducer',
] as const;
export type HostControlRequestName = (typeof HOST_CONTROL_REQUESTS)[number];

export const HOST_CONTROL_LIMITS = {
  /** The optional reason a host gives when removing someone, shown to them. */
  removeReasonMax: 200,
} as const;

export const muteParticipantRequestSchema = z.strictObject({
  peerId,
  /** true: the participant's microphone is paused in the SFU (nobody hears it); false: resumed. */
  muted: z.boolean(),
});

export const setParticipantRoleRequestSchema = z.strictObject({
  peerId,
  /** 'listener': listen-only (their stream is closed); 'musician': they may play again. */
  role: z.enum(['musician', 'listener']),
});

export const removeParticipantRequestSchema = z.strictObject({
  peerId,
  reason: z.string().trim().max(HOST_CONTROL_LIMITS.removeReasonMax).optional(),
});

export const lockRoomRequestSchema = z.strictObject({ locked: z.boolean() });

export const handOverHostRequestSchema = z.strictObject({ peerId });

/** A participant's own microphone, paused or resumed by themselves. */
export const ownProducerRequestSchema = z.strictObject({ producerId: peerId });

export const hostChangedSchema = z.object({
  /** The new host; null while nobody may hold the role (only listeners are left). */
  peerId: peerId.nullable(),
});

export const lockChangedSchema = z.object({ locked: z.boolean() });

/** Sent only to the participant the host removed, just before their membership ends. */
export const removedSchema = z.object({
  reason: z.string().max(HOST_CONTROL_LIMITS.removeReasonMax + 100),
});

/** People a room session keeps decisions about (a bound on what its record holds). */
export const STANDING_ENTRIES_MAX = 1000;

/**
 * The host's decisions that outlive a connection, by identity (`user:<account>` or `peer:<peer id>`):
 * written with the live session, so an SFU restart keeps a removed person out.
 */
export const durableStandingSchema = z
  .record(
    z.string().regex(/^(user|peer):[A-Za-z0-9_-]{1,64}$/, 'an identity: user:<id> or peer:<id>'),
    z.strictObject({ removed: z.boolean().optional(), muted: z.boolean().optional(), listenOnly: z.boolean().optional() }),
  )
  .refine((r) => Object.keys(r).length <= STANDING_ENTRIES_MAX, `at most ${STANDING_ENTRIES_MAX} people`);
export type DurableStanding = z.infer<typeof durableStandingSchema>;
