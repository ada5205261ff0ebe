// Decoded audio as the player needs it: trimmed to what the Ogg Opus stream says is playable,
// with its output gain applied, and wrapped as a WAV file an <audio> element can play.
import { OPUS_RATE_HZ } from '../media/duration';

/** Decoded PCM, one Float32Array per channel. */
export interface Pcm {
  /** Samples per second. */
  readonly sampleRate: number;
  /** Planar samples in −1..1, all of equal length. */
  readonly channels: readonly Float32Array[];
}

/**
 * Keeps the playable part of a decoder's output (RFC 7845 §4.2, §4.4): drops `preSkip` samples
 * at the start and ends at `finalGranule` (both in 48 kHz samples, whatever the output rate);
 * a `null` granule keeps everything after the pre-skip.
 */
export function trimToPlayable(decoded: Pcm, preSkip: number, finalGranule: number | null): Pcm {
  const scale = decoded.sampleRate / OPUS_RATE_HZ;
  const length = decoded.channels[0]?.length ?? 0;
  const from = Math.min(length, Math.round(preSkip * scale));
  const to =
    finalGranule === null ? length : Math.max(from, Math.min(length, Math.round(finalGranule * scale)));
  return {
    sampleRate: decoded.sampleRate,
    channels: decoded.channels.map((channel) => channel.slice(from, to)),
  };
}

/** Applies an OpusHead output gain in dB in place (0 dB leaves the samples untouched). */
export function applyGain(pcm: Pcm, gainDb: number): Pcm {
  if (gainDb === 0) return pcm;
  const factor = 10 ** (gainDb / 20);
  for (const channel of pcm.channels) {
    for (let i = 0; i < channel.length; i++) channel[i] = (channel[i] ?? 0) * factor;
  }
  return pcm;
}

/** Length of PCM in milliseconds. */
export function pcmDurationMs(pcm: Pcm): number {
  return ((pcm.channels[0]?.length ?? 0) * 1000) / pcm.sampleRate;
}

/** Joins chunks of planar audio (each an array of channels) into one `Pcm`. */
export function concatPcm(
  sampleRate: number,
  chunks: readonly (readonly Float32Array[])[],
  channelCount: number,
): Pcm {
  const channels: Float32Array[] = [];
  for (let c = 0; c < channelCount; c++) {
    const out = new Float32Array(chunks.reduce((sum, chunk) => sum + (chunk[c]?.length ?? 0), 0));
    let offset = 0;
    for (const chunk of chunks) {
      const part = chunk[c];
      if (part === undefined) continue;
      out.set(part, offset);
      offset += part.length;
    }
    channels.push(out);
  }
  return { sampleRate, channels };
}

/** Encodes PCM as a 16-bit little-endian WAV file (interleaved, clipped to −1..1). */
export function encodeWav(pcm: Pcm): Uint8Array<ArrayBuffer> {
  const channelCount = pcm.channels.length;
  const frames = pcm.channels[0]?.length ?? 0;
  const dataBytes = frames * channelCount * 2;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const ascii = (text: string, offset: number): void => {
    for (let i = 0; i < text.length; i++) out[offset + i] = text.charCodeAt(i);
  };
  ascii('RIFF', 0);
  view.setUint32(4, 36 + dataBytes, true);
  ascii('WAVE', 8);
  ascii('fmt ', 12);
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, channelCount, true);
  view.setUint32(24, pcm.sampleRate, true);
  view.setUint32(28, pcm.sampleRate * channelCount * 2, true); // bytes per second
  view.setUint16(32, channelCount * 2, true); // bytes per frame
  view.setUint16(34, 16, true); // bits per sample
  ascii('data', 36);
  view.setUint32(40, dataBytes, true);
  let offset = 44;
  for (let i = 0; i < frames; i++) {
    for (const channel of pcm.channels) {
      const sample = Math.max(-1, Math.min(1, channel[i] ?? 0));
      view.setInt16(offset, Math.round(sample * 32767), true);
      offset += 2;
    }
  }
  return out;
}
