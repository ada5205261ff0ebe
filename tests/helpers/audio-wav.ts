// 16-bit mono PCM WAV files for Node-side audio tests (Chromium's fake mic ignores 24-bit WAVs).
import { readFileSync, writeFileSync } from 'node:fs';

/** Mono audio as floats in −1..1 with its sample rate. */
export interface MonoAudio {
  /** Samples per second. */
  readonly sampleRate: number;
  /** The samples, −1..1. */
  readonly samples: Float32Array;
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
  view.setUint16(20, 1, true); // PCM
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

/**
 * Decodes a 16-bit PCM WAV, walking its chunks; a stereo file yields its first channel.
 * Throws a `TypeError` for anything else.
 */
export function decodeWav16Mono(bytes: Uint8Array): MonoAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (offset: number): string => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  if (bytes.length < 12 || ascii(0) !== 'RIFF' || ascii(8) !== 'WAVE') {
    throw new TypeError('not a RIFF/WAVE file');
  }
  let channels = 0;
  let sampleRate = 0;
  let bits = 0;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = ascii(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      channels = view.getUint16(body + 2, true);
      sampleRate = view.getUint32(body + 4, true);
      bits = view.getUint16(body + 14, true);
    } else if (id === 'data') {
      if (bits !== 16 || channels < 1) {
        throw new TypeError(`expected 16-bit PCM, got ${bits}-bit × ${channels}`);
      }
      const frames = Math.floor(Math.min(size, bytes.length - body) / (2 * channels));
      const samples = new Float32Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = view.getInt16(body + i * 2 * channels, true) / 32768;
      return { sampleRate, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new TypeError('the WAV file has no data chunk');
}

/** Writes a 16-bit mono WAV file. */
export function writeWav16Mono(path: string, audio: MonoAudio): void {
  writeFileSync(path, encodeWav16Mono(audio));
}

/** Reads a 16-bit WAV file (first channel). */
export function readWav16Mono(path: string): MonoAudio {
  return decodeWav16Mono(readFileSync(path));
}
