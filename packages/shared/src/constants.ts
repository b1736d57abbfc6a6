/** Values both the browser and the servers must agree on. */

export const SAMPLE_RATE = 48_000;

/** Opus settings for music, not calls (see README "Audio path"). */
export const MUSIC_OPUS = {
  channels: 2,
  /** 10 ms packets halve packetisation delay compared with WebRTC's 20 ms default. */
  ptimeMs: 10,
  /** libwebrtc defaults to 32 kbit/s per channel, too little for instruments. */
  maxAverageBitrate: 160_000,
  /** DTX would gate sustained quiet notes and reverb tails. */
  dtx: false,
  /** In-band FEC switches the encoder to SILK (the speech codec) under loss. */
  fec: false,
} as const;

/**
 * How long a page waits for the answer to a signalling request. A server that carries the request
 * on (a relay to the room's SFU node) answers within less, so the page hears why.
 */
export const SIGNAL_REQUEST_TIMEOUT_MS = 10_000;

export const LIMITS = {
  /** Largest JSON payload a signalling event may carry; rtpParameters are ~2–4 kB. */
  maxMessageBytes: 16 * 1024,
  /** socket.io drops the connection above this; kept well above maxMessageBytes. */
  maxSocketBufferBytes: 256 * 1024,
  displayNameMax: 40,
  roomNameMax: 80,
  roomIdLength: 10,
} as const;

export const ROLES = ['musician', 'listener'] as const;
export type Role = (typeof ROLES)[number];
