import type { types } from 'mediasoup-client';

/** How long a restarted media path may take to come back before the next restart (the network may still be out). */
const RETRY_MS = 5000;

/**
 * Restarts ICE on a transport whose media path failed while the signalling stayed up: a network
 * that took UDP away for longer than ICE's consent freshness (~30 s in Chromium), a NAT that
 * rebound, a Wi-Fi hand-over. New credentials from the SFU (`restartIce`), new checks here, and
 * again every few seconds until the path is back; the room, the peer and its streams stay as
 * they are. A failed signalling request means the socket is down too: its reconnect and rejoin
 * take over, and the next failure here tries again.
 */
export function keepIceAlive(transport: types.Transport, newIceParameters: (transportId: string) => Promise<unknown>, onRestart: () => void): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let restarting = false;
  // Read afresh after each await (it changes under us).
  const connected = (): boolean => transport.connectionState === 'connected';
  const restart = async () => {
    timer = undefined;
    if (restarting || transport.closed || connected()) return;
    restarting = true;
    try {
      const iceParameters = (await newIceParameters(transport.id)) as types.IceParameters;
      if (!transport.closed) {
        await transport.restartIce({ iceParameters });
        onRestart();
      }
    } catch {
      // Signalling down as well, or the transport closed under us: retried below if still wanted.
    } finally {
      restarting = false;
    }
    if (!transport.closed && !connected()) timer = setTimeout(() => void restart(), RETRY_MS);
  };
  transport.on('connectionstatechange', (state) => {
    if (state === 'failed' && !timer) void restart();
    if (state === 'connected' && timer) {
      clearTimeout(timer);
      timer = undefined;
    }
  });
}
