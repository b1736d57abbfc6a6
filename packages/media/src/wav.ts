import { readFileSync, writeFileSync } from 'node:fs';

export class WavError extends Error {
  override name = 'WavError';
}

export interface PcmAudio {
  sampleRate: number;
  /** One Float32Array per channel, samples in [-1, 1]. */
  channels: Float32Array[];
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;

/** Reads any common WAV: PCM 8/16/24/32-bit or float 32/64, any rate, any channel count. */
export function readWav(file: string): PcmAudio {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new WavError(code === 'ENOENT' ? `input file not found: ${file}` : `cannot read ${file}: ${(err as Error).message}`);
  }
  return decodeWav(data, file);
}

export function decodeWav(data: Buffer, label = 'input'): PcmAudio {
  if (data.length < 12 || data.toString('ascii', 0, 4) !== 'RIFF' || data.toString('ascii', 8, 12) !== 'WAVE') {
    throw new WavError(`${label} is not a WAV file (no RIFF/WAVE header)`);
  }
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  let offset = 12;
  while (offset + 8 <= data.length) {
    const id = data.toString('ascii', offset, offset + 4);
    const size = data.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16) throw new WavError(`${label}: fmt chunk too short`);
      let format = data.readUInt16LE(body);
      if (format === FORMAT_EXTENSIBLE && size >= 26) format = data.readUInt16LE(body + 24);
      fmt = { format, channels: data.readUInt16LE(body + 2), rate: data.readUInt32LE(body + 4), bits: data.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!fmt) throw new WavError(`${label}: data chunk before fmt chunk`);
      return decodeSamples(data.subarray(body, Math.min(data.length, body + size)), fmt, label);
    }
    offset = body + size + (size % 2);
  }
  throw new WavError(`${label}: no audio data chunk found`);
}

function decodeSamples(bytes: Buffer, fmt: { format: number; channels: number; rate: number; bits: number }, label: string): PcmAudio {
  const { format, channels, rate, bits } = fmt;
  if (channels < 1 || channels > 32) throw new WavError(`${label}: unsupported channel count ${channels}`);
  if (rate < 1000 || rate > 384000) throw new WavError(`${label}: unsupported sample rate ${rate}`);
  const read = sampleReader(format, bits, label);
  const bytesPerSample = bits / 8;
  const frames = Math.floor(bytes.length / (bytesPerSample * channels));
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) out[c]![i] = read(bytes, (i * channels + c) * bytesPerSample);
  }
  return { sampleRate: rate, channels: out };
}

function sampleReader(format: number, bits: number, label: string): (b: Buffer, o: number) => number {
  if (format === FORMAT_PCM) {
    if (bits === 8) return (b, o) => (b.readUInt8(o) - 128) / 128;
    if (bits === 16) return (b, o) => b.readInt16LE(o) / 32768;
    if (bits === 24) return (b, o) => b.readIntLE(o, 3) / 8388608;
    if (bits === 32) return (b, o) => b.readInt32LE(o) / 2147483648;
  }
  if (format === FORMAT_FLOAT) {
    if (bits === 32) return (b, o) => b.readFloatLE(o);
    if (bits === 64) return (b, o) => b.readDoubleLE(o);
  }
  throw new WavError(`${label}: unsupported WAV encoding (format ${format}, ${bits} bits); use PCM or float`);
}

/** Writes 16-bit PCM. */
export function writeWav(file: string, audio: PcmAudio): void {
  writeFileSync(file, encodeWav(audio));
}

export function encodeWav(audio: PcmAudio): Buffer {
  const channels = audio.channels.length;
  const frames = audio.channels[0]?.length ?? 0;
  const data = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) {
      const v = Math.max(-1, Math.min(1, audio.channels[c]![i]!));
      data.writeInt16LE(Math.round(v * 32767), (i * channels + c) * 2);
    }
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(FORMAT_PCM, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(audio.sampleRate, 24);
  header.writeUInt32LE(audio.sampleRate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

export function downmix(audio: PcmAudio): Float32Array {
  const [first, ...rest] = audio.channels;
  if (!first) return new Float32Array(0);
  if (rest.length === 0) return first;
  const out = new Float32Array(first.length);
  for (const ch of audio.channels) for (let i = 0; i < out.length; i++) out[i]! += ch[i]! / audio.channels.length;
  return out;
}
