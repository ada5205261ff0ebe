// Audio files → Ogg Opus chunks for the engine. WAV is encoded with the web app's standard preset
// (48 kHz mono, 24 kbit/s, VOIP, 20 ms frames) on opus-recorder's WASM libopus, muxed by our Ogg
// writer with the real pre-skip; each chunk holds one ~1 s Ogg page (the first also the headers).
// An .opus file is split into chunks of about one second of pages as it is; its waveform comes from
// decoding it with the WASM libopus decoder.
import { randomInt } from 'node:crypto';
import { decodeOggOpusFile } from '../../shared/audio/libopus-decoder';
import type { Pcm } from '../../shared/audio/pcm';
import { LibopusEncoder } from '../../shared/audio/libopus-encoder';
import { PRESETS, frameSamples } from '../../shared/audio/presets';
import { EncoderError } from '../../shared/audio/encoder';
import { MAX_CHUNK_PLAINTEXT_BYTES } from '../../shared/crypto/message-crypto';
import {
  OggOpusWriter,
  decodePage,
  pageByteLength,
  readOggOpus,
  waveformOfSamples,
} from '../../shared/media';
import { loadOpusDecoderModule, loadOpusWasmModule } from './opus-wasm';
import { resample } from './resample';
import type { MonoAudio } from './wav';

/** Audio per chunk: one second at 48 kHz (DESIGN.md §3). */
const CHUNK_SAMPLES_48K = 48_000;

/** The Ogg Opus stream split into chunks, and what the metadata says about it. */
export interface EncodedSummary {
  /** Rate of the source audio, Hz. */
  readonly sampleRate: number;
  /** Playing time, ms. */
  readonly durationMs: number;
  /** Up to 100 levels 0..255. */
  readonly waveform: number[];
}

/** Waveform levels of an .opus file are taken over 20 ms at 48 kHz, as the recorder's are. */
const WAVEFORM_FRAME_SAMPLES = 960;

/** Receives the chunks in order: `final` only on the last. Awaited before the next is produced. */
export type ChunkSink = (plaintext: Uint8Array, final: boolean) => Promise<void>;

/** Gives timers and I/O (acks from the server) a turn between chunks of CPU-bound encoding. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function granuleOf(page: Uint8Array): bigint {
  return new DataView(page.buffer, page.byteOffset, page.byteLength).getBigInt64(6, true);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * Encodes mono audio with the standard preset and hands each ~1 s chunk to `sink` as soon as it
 * exists, so the upload runs while the rest is still being encoded.
 */
export async function encodeAudio(audio: MonoAudio, sink: ChunkSink): Promise<EncodedSummary> {
  const preset = PRESETS.standard;
  const samples = resample(audio.samples, audio.sampleRate, preset.sampleRate);
  const module = await loadOpusWasmModule();
  const pending: Uint8Array[] = [];
  let writer: OggOpusWriter | null = null;
  const failed: { error: EncoderError | null } = { error: null };
  const encoder = new LibopusEncoder(module, preset, {
    packet(packet) {
      if (writer === null) throw new EncoderError('ENCODER_FAILED', 'a packet arrived before the muxer');
      pending.push(...writer.writePacket(packet.data, packet.samples));
    },
    error(error) {
      failed.error = error;
    },
  });
  const muxer = new OggOpusWriter({
    serial: randomInt(0, 0x1_0000_0000),
    preSkip: encoder.preSkip,
    inputSampleRate: audio.sampleRate,
  });
  writer = muxer;
  const size = frameSamples(preset);
  const frame = new Float32Array(size);
  try {
    for (let from = 0; from < samples.length; from += size) {
      frame.fill(0);
      frame.set(samples.subarray(from, Math.min(samples.length, from + size)));
      encoder.encode(frame);
      const failure = failed.error;
      if (failure !== null) throw failure;
      // Send every page up to the last audio page; header pages wait for the first audio page.
      let lastAudio = pending.length - 1;
      while (lastAudio >= 0 && granuleOf(pending[lastAudio] ?? new Uint8Array(14)) <= 0n) lastAudio--;
      if (lastAudio >= 0) {
        await sink(concat(pending.splice(0, lastAudio + 1)), false);
        await yieldToEventLoop();
      }
    }
    await encoder.flush();
    pending.push(...muxer.finish({ totalSamples: samples.length }));
    await sink(concat(pending.splice(0)), true);
  } finally {
    encoder.close();
  }
  return {
    sampleRate: audio.sampleRate,
    durationMs: Math.round((samples.length * 1000) / preset.sampleRate),
    waveform: [...waveformOfSamples(samples, size)],
  };
}

/** Splits an existing Ogg Opus file into chunks of about a second of pages each (never above the chunk limit). */
export async function chunkOggOpus(bytes: Uint8Array, sink: ChunkSink): Promise<EncodedSummary> {
  const stream = readOggOpus(bytes); // validates the whole stream first
  const chunks: Uint8Array[] = [];
  let current: Uint8Array[] = [];
  let currentBytes = 0;
  let chunkStart = -1n;
  for (let offset = 0; offset < bytes.length;) {
    const length = pageByteLength(bytes, offset);
    if (length === null) break;
    const page = bytes.subarray(offset, offset + length);
    const granule = decodePage(bytes, offset).page.granulePosition;
    if (currentBytes + length > MAX_CHUNK_PLAINTEXT_BYTES && current.length > 0) {
      chunks.push(concat(current));
      current = [];
      currentBytes = 0;
    }
    current.push(page);
    currentBytes += length;
    if (granule > 0n) {
      if (chunkStart < 0n) chunkStart = 0n;
      if (granule - chunkStart >= BigInt(CHUNK_SAMPLES_48K)) {
        chunks.push(concat(current));
        current = [];
        currentBytes = 0;
        chunkStart = granule;
      }
    }
    offset += length;
  }
  if (current.length > 0) chunks.push(concat(current));
  for (const [index, chunk] of chunks.entries()) {
    await sink(chunk, index === chunks.length - 1);
    await yieldToEventLoop();
  }
  const decoded = decodeOggOpusFile(await loadOpusDecoderModule(), bytes);
  return {
    sampleRate: stream.head.inputSampleRate,
    durationMs: Math.round(stream.duration.ms),
    waveform: [...waveformOfSamples(downmix(decoded), WAVEFORM_FRAME_SAMPLES)],
  };
}

/** Mono mix of planar PCM (the mean of the channels). */
function downmix(pcm: Pcm): Float32Array {
  const [first, ...rest] = pcm.channels;
  if (first === undefined) return new Float32Array(0);
  if (rest.length === 0) return first;
  const mixed = new Float32Array(first.length);
  for (const channel of pcm.channels) {
    for (let i = 0; i < mixed.length; i++) {
      mixed[i] = (mixed[i] ?? 0) + (channel[i] ?? 0) / pcm.channels.length;
    }
  }
  return mixed;
}
