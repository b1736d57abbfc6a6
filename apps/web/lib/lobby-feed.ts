import { io } from 'socket.io-client';
import { LOBBY_NAMESPACE, lobbyNotifications } from '@bandmate/shared';

/**
 * Calls `onChange` when the SFU says the listed rooms changed (on any of its nodes), and when the
 * feed connects again after a cut (changes may have been missed). Returns the unsubscribe.
 */
export function followLobby(sfu: string, onChange: () => void): () => void {
  const socket = io(`${sfu}${LOBBY_NAMESPACE}`, { transports: ['websocket'], reconnectionDelay: 1000, reconnectionDelayMax: 5000, withCredentials: true });
  let connectedBefore = false;
  socket.on('connect', () => {
    if (connectedBefore) onChange();
    connectedBefore = true;
  });
  socket.on('roomsChanged', (payload: unknown) => {
    if (lobbyNotifications.roomsChanged.safeParse(payload).success) onChange();
  });
  return () => socket.close();
}
