import { z } from 'zod';
import { LIMITS } from './constants.ts';

/** HTTP API of the SFU service for the lobby (JSON). */

export const createRoomRequestSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, 'room name is required')
    .max(LIMITS.roomNameMax, `room name is at most ${LIMITS.roomNameMax} characters`),
});
export type CreateRoomRequest = z.infer<typeof createRoomRequestSchema>;

export const roomSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(['open', 'closed']),
  participants: z.number().int().nonnegative(),
  maxParticipants: z.number().int().positive(),
  createdAt: z.string(),
});
export type RoomSummary = z.infer<typeof roomSummarySchema>;

export const roomListSchema = z.object({ rooms: z.array(roomSummarySchema) });

export const apiErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
