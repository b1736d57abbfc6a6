/** Messages between a process's main thread and its RTP pacer thread (rtp-pacer.ts). */
export interface PacedTrack {
  id: string;
  sendTo: { ip: string; port: number };
  /** The address the track's socket binds to (the SFU latches onto it: comedia). */
  listenIp: string;
  ssrc: number;
  payloadType: number;
  /** When slot 0 is due, in ms since the epoch (performance.timeOrigin + performance.now()). */
  startEpochMs: number;
  frameMs: number;
  /** RTP timestamp units per slot. */
  frameSamples: number;
  sequence: number;
  timestampBase: number;
  /** Sent in a slot whose frame did not come in time. */
  silence: Uint8Array;
  /**
   * A track that plays a fixed loop: slot n sends loop[n % length] (frames handed over still take
   * precedence), so the main thread gives the whole part once and never again.
   */
  loop?: Uint8Array[];
}

export type ToPacer =
  | { type: 'open'; track: PacedTrack }
  | { type: 'frame'; id: string; slot: number; payload: Uint8Array }
  | { type: 'close'; id: string };

export interface PacerTrackStats {
  /** Packets sent, one per slot. */
  sent: number;
  /** Slots after the first frame whose frame was not there in time (sent as silence). */
  late: number;
  /** Frames waiting for their slot. */
  queued: number;
}

export type FromPacer = { type: 'ready' } | { type: 'stats'; id: string; stats: PacerTrackStats };
