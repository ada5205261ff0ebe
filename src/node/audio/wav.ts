// WAV files: a reader for what people have (PCM 8/16/24/32-bit, float 32/64, WAVE_FORMAT_EXTENSIBLE,
// any channel count, mixed down to mono) and a 16-bit mono writer for tests and fixtures.
import { readFileSync, writeFileSync } from 'node:fs';

/** Mono audio as floats in −1..1 with its sample rate. */
export interface MonoAudio {
  /** Samples per second. */
  readonly sampleRate: number;
  /** The samples, −1..1. */
  readonly samples: Float32Array;
}

/** A file that is not a WAV this reader understands; the message says what it found. */
export class WavError extends Error {
  /** Stable code. */
  readonly code = 'WAV_UNSUPPORTED';

  constructor(message: string) {
    super(message);
    this.name = 'WavError';
  }
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;

interface WavFormat {
  readonly format: number;
  readonly channels: number;
  readonly sampleRate: number;
  readonly bits: number;
}

/** Encodes mono floats as a 16-bit PCM WAV (clipped to −1..1, rounded). */
export function encodeWav16Mono({ sampleRate, samples }: MonoAudio): Uint8Array {
  const out = new Uint8Array(44 + samples.length * 2);
  const view = new DataView(out.buffer);
  const ascii = (text: string, offset: number): void => {
    for (let i = 0; i < text.length; i++) out[offset + i] = text.charCodeAt(i);
  };
  ascii('RIFF', 0);
  view.setUint32(4, 36 + samples.length * 2, true);
  ascii('WAVE', 8);
  ascii('fmt ', 12);
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true); // bytes per second
  view.setUint16(32, 2, true); // bytes per frame
  view.setUint16(34, 16, true); // bits per sample
  ascii('data', 36);
  view.setUint32(40, samples.length * 2, true);
  samples.forEach((sample, i) => {
    view.setInt16(44 + i * 2, Math.round(Math.max(-1, Math.min(1, sample)) * 32767), true);
  });
  return out;
}

/** Walks the RIFF chunks; returns the format and the data chunk's bytes. */
function parseWav(bytes: Uint8Array): { format: WavFormat; data: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (offset: number): string => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  if (bytes.length < 12 || ascii(0) !== 'RIFF' || ascii(8) !== 'WAVE') {
    throw new WavError('not a RIFF/WAVE file');
  }
  let format: WavFormat | null = null;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = ascii(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) throw new WavError('the WAV format chunk is too short');
      let code = view.getUint16(body, true);
      // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
      if (code === FORMAT_EXTENSIBLE && size >= 40) code = view.getUint16(body + 24, true);
      format = {
        format: code,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (format === null) throw new WavError('the WAV data chunk comes before its format chunk');
      return { format, data: bytes.subarray(body, Math.min(bytes.length, body + size)) };
    }
    offset = body + size + (size % 2);
  }
  throw new WavError('the WAV file has no data chunk');
}

/** Reads one sample at `offset` as a float in −1..1. */
function sampleReader(format: WavFormat): (view: DataView, offset: number) => number {
  const { format: code, bits } = format;
  if (code === FORMAT_PCM && bits === 8) return (v, o) => (v.getUint8(o) - 128) / 128;
  if (code === FORMAT_PCM && bits === 16) return (v, o) => v.getInt16(o, true) / 32768;
  if (code === FORMAT_PCM && bits === 24) {
    return (v, o) => (v.getUint8(o) | (v.getUint8(o + 1) << 8) | (v.getInt8(o + 2) << 16)) / 8388608;
  }
  if (code === FORMAT_PCM && bits === 32) return (v, o) => v.getInt32(o, true) / 2147483648;
  if (code === FORMAT_FLOAT && bits === 32) return (v, o) => v.getFloat32(o, true);
  if (code === FORMAT_FLOAT && bits === 64) return (v, o) => v.getFloat64(o, true);
  throw new WavError(`unsupported WAV sample format (format ${code}, ${bits}-bit); use PCM or float`);
}

/** Decodes a WAV file of any common sample format, mixing all channels down to mono. */
export function decodeWav(bytes: Uint8Array): MonoAudio {
  const { format, data } = parseWav(bytes);
  if (format.channels < 1 || format.sampleRate < 1) {
    throw new WavError('the WAV file declares no channels or rate');
  }
  const read = sampleReader(format);
  const frameBytes = (format.bits / 8) * format.channels;
  const frames = Math.floor(data.length / frameBytes);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const samples = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let channel = 0; channel < format.channels; channel++) {
      sum += read(view, i * frameBytes + (channel * format.bits) / 8);
    }
    samples[i] = sum / format.channels;
  }
  return { sampleRate: format.sampleRate, samples };
}

/** Decodes a 16-bit PCM WAV; a stereo file yields its first channel. Throws a `TypeError` for anything else. */
export function decodeWav16Mono(bytes: Uint8Array): MonoAudio {
  let parsed: { format: WavFormat; data: Uint8Array };
  try {
    parsed = parseWav(bytes);
  } catch (error) {
    throw new TypeError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  const { format, data } = parsed;
  if (format.bits !== 16 || format.channels < 1) {
    throw new TypeError(`expected 16-bit PCM, got ${format.bits}-bit × ${format.channels}`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const frames = Math.floor(data.length / (2 * format.channels));
  const samples = new Float32Array(frames);
  for (let i = 0; i < frames; i++) samples[i] = view.getInt16(i * 2 * format.channels, true) / 32768;
  return { sampleRate: format.sampleRate, samples };
}

/** Writes a 16-bit mono WAV file. */
export function writeWav16Mono(path: string, audio: MonoAudio): void {
  writeFileSync(path, encodeWav16Mono(audio));
}

/** Reads a 16-bit WAV file (first channel). */
export function readWav16Mono(path: string): MonoAudio {
  return decodeWav16Mono(readFileSync(path));
}
