import { readFileSync, writeFileSync } from 'node:fs';

/** Mono PCM audio as floats in −1..1. */
export interface Pcm {
  readonly sampleRate: number;
  readonly samples: Float32Array;
}

/**
 * Encodes 16-bit mono PCM WAV. 16 bits because Chromium's fake microphone captures 24-bit WAVs
 * as silence.
 */
export function encodeWav({ sampleRate, samples }: Pcm): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i] ?? 0));
    data.writeInt16LE(Math.round(s * 32767), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** Decodes a 16-bit PCM WAV (mono, or the first channel of stereo). Walks chunks, so extra chunks are fine. */
export function decodeWav(bytes: Buffer): Pcm {
  if (bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') {
    throw new TypeError('not a RIFF/WAVE file');
  }
  let offset = 12;
  let sampleRate = 0;
  let channels = 0;
  let bits = 0;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      channels = bytes.readUInt16LE(body + 2);
      sampleRate = bytes.readUInt32LE(body + 4);
      bits = bytes.readUInt16LE(body + 14);
    } else if (id === 'data') {
      if (bits !== 16) throw new TypeError(`only 16-bit WAV is supported, got ${bits}-bit`);
      const frames = Math.floor(Math.min(size, bytes.length - body) / (2 * channels));
      const samples = new Float32Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = bytes.readInt16LE(body + i * 2 * channels) / 32768;
      return { sampleRate, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new TypeError('WAV has no data chunk');
}

/** Writes a WAV file. */
export function writeWav(path: string, pcm: Pcm): void {
  writeFileSync(path, encodeWav(pcm));
}

/** Reads a WAV file. */
export function readWav(path: string): Pcm {
  return decodeWav(readFileSync(path));
}
