import type { types } from 'mediasoup';

/**
 * The router only needs to know Opus exists; stereo, ptime and bitrate are
 * negotiated per producer through fmtp (see MUSIC_OPUS in @bandmate/shared).
 */
export const mediaCodecs: types.RtpCodecCapability[] = [
  {
    kind: 'audio',
    mimeType: 'audio/opus',
    clockRate: 48000,
    channels: 2,
    preferredPayloadType: 100,
  },
];
