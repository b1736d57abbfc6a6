import { apiErrorSchema, roomListSchema, roomSummarySchema, type RoomSummary } from '@bandmate/shared';

async function call<T>(url: string, init: RequestInit, parse: (v: unknown) => T): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers: { 'content-type': 'application/json' } });
  } catch {
    throw new Error('Cannot reach the Bandmate server. Is it running?');
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = apiErrorSchema.safeParse(body);
    throw new Error(err.success ? err.data.error.message : `The server answered ${res.status}`);
  }
  return parse(body);
}

export const createRoom = (sfu: string, name: string): Promise<RoomSummary> =>
  call(`${sfu}/api/rooms`, { method: 'POST', body: JSON.stringify({ name }) }, (b) => roomSummarySchema.parse(b));

export const getRoom = (sfu: string, id: string): Promise<RoomSummary> =>
  call(`${sfu}/api/rooms/${encodeURIComponent(id)}`, { method: 'GET' }, (b) => roomSummarySchema.parse(b));

export const listRooms = (sfu: string): Promise<RoomSummary[]> =>
  call(`${sfu}/api/rooms`, { method: 'GET' }, (b) => roomListSchema.parse(b).rooms);
