import { apiErrorSchema, roomListSchema, roomSummarySchema, type RoomSummary, type RoomVisibility } from '@bandmate/shared';

/** A refusal from the SFU's API: `code` to branch on (e.g. invite_required), the message for people. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export async function call<T>(url: string, init: RequestInit, parse: (v: unknown) => T): Promise<T> {
  let res: Response;
  try {
    // credentials: the session cookie goes along (the SFU on :4000 is the same site as this page).
    res = await fetch(url, { ...init, credentials: 'include', headers: { 'content-type': 'application/json' } });
  } catch {
    throw new Error('Cannot reach the Bandmate server. Is it running?');
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = apiErrorSchema.safeParse(body);
    if (err.success) throw new ApiError(err.data.error.code, err.data.error.message, res.status);
    throw new ApiError('internal', `The server answered ${res.status}`, res.status);
  }
  return parse(body);
}

export const createRoom = (sfu: string, name: string, visibility: RoomVisibility = 'public'): Promise<RoomSummary> =>
  call(`${sfu}/api/rooms`, { method: 'POST', body: JSON.stringify({ name, visibility }) }, (b) => roomSummarySchema.parse(b));

/** `invite`: the link's token, which lets a private room be seen by someone not yet admitted. */
export const getRoom = (sfu: string, id: string, invite?: string | null): Promise<RoomSummary> =>
  call(
    `${sfu}/api/rooms/${encodeURIComponent(id)}${invite ? `?invite=${encodeURIComponent(invite)}` : ''}`,
    { method: 'GET' },
    (b) => roomSummarySchema.parse(b),
  );

export const listRooms = (sfu: string): Promise<RoomSummary[]> =>
  call(`${sfu}/api/rooms`, { method: 'GET' }, (b) => roomListSchema.parse(b).rooms);
