import { z } from 'zod';
import { roomVisibilitySchema } from './auth-api.ts';
import { LIMITS } from './constants.ts';
import { nameSchema } from './text.ts';

/** HTTP API of the SFU service for the lobby (JSON). */

export const createRoomRequestSchema = z.strictObject({
  /** Cleaned like chat: the lobby lists it to everyone. */
  name: nameSchema('room name', LIMITS.roomNameMax),
  /** 'private' rooms are not listed and admit only with an invite link; creating one needs an account. */
  visibility: roomVisibilitySchema.optional(),
});
export type CreateRoomRequest = z.infer<typeof createRoomRequestSchema>;

export const roomSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(['open', 'closed']),
  participants: z.number().int().nonnegative(),
  maxParticipants: z.number().int().positive(),
  createdAt: z.string(),
  visibility: roomVisibilitySchema.optional(),
  /** Whether the requester (by their session cookie) owns the room: owners manage its invites. */
  isOwner: z.boolean().optional(),
  /** The role a valid invite passed as ?invite= admits as (the join form offers only that). */
  inviteRole: z.enum(['musician', 'listener']).optional(),
});
export type RoomSummary = z.infer<typeof roomSummarySchema>;

export const roomListSchema = z.object({ rooms: z.array(roomSummarySchema) });

export const apiErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
