import { Decoder, Encoder } from '@evan/opus';

/** 10 ms of 48 kHz stereo: the packet size of the whole platform. */
export const FRAME_SAMPLES = 480;
const CHANNELS = 2;

/** Decodes one musician's packets to interleaved stereo float frames. */
export class OpusFrameDecoder {
  private readonly decoder = new Decoder({ channels: CHANNELS, sample_rate: 48000 });

  decode(packet: Uint8Array): Float32Array {
    const pcm = this.decoder.decode(packet);
    const ints = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 2);
    const out = new Float32Array(FRAME_SAMPLES * CHANNELS);
    for (let i = 0; i < out.length && i < ints.length; i++) out[i] = ints[i]! / 32768;
    return out;
  }

  /**
   * Every sample of a packet of any Opus duration (2.5–120 ms), interleaved stereo 16-bit as the
   * codec made them (a copy: the codec reuses its memory). The recorder writes these to disk as is.
   */
  decodePcm(packet: Uint8Array): Int16Array {
    const pcm = this.decoder.decode(packet);
    return new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.byteLength) as ArrayBuffer);
  }
}

/** Encodes the accompaniment for music: CELT-friendly, no DTX or FEC, 10 ms packets. */
export class OpusFrameEncoder {
  private readonly encoder = new Encoder({ channels: CHANNELS, sample_rate: 48000, application: 'audio' });
  private readonly pcm = new Int16Array(FRAME_SAMPLES * CHANNELS);

  constructor(bitrate = 160_000) {
    this.encoder.bitrate = bitrate;
    this.encoder.signal = 'music';
    this.encoder.dtx = false;
    this.encoder.inband_fec = false;
    this.encoder.expert_frame_duration = 10;
  }

  /** Mono in, the same signal on both channels out. */
  encodeMono(frame: Float32Array, gain = 1): Uint8Array {
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const v = Math.max(-1, Math.min(1, (frame[i] ?? 0) * gain));
      this.pcm[2 * i] = this.pcm[2 * i + 1] = Math.round(v * 32767);
    }
    return this.encoder.encode(this.pcm);
  }

  /** Interleaved stereo in (FRAME_SAMPLES × 2). */
  encodeStereo(frame: Float32Array, gain = 1): Uint8Array {
    for (let i = 0; i < FRAME_SAMPLES * CHANNELS; i++) {
      this.pcm[i] = Math.round(Math.max(-1, Math.min(1, (frame[i] ?? 0) * gain)) * 32767);
    }
    return this.encoder.encode(this.pcm);
  }
}
