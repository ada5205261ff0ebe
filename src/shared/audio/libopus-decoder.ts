// libopus's decoder compiled to WASM (inside opus-recorder 8's decoderWorker.min.js), driven
// directly with our own Ogg demuxer: packets in, 48 kHz PCM out, pre-skip and end trim applied.
// Runtime-free: the Emscripten module is handed in (Node loads it in src/node/audio/opus-wasm.ts).
import { readOggOpus } from '../media/ogg-opus-reader';
import { OPUS_RATE_HZ } from '../media/duration';
import { applyGain, trimToPlayable } from './pcm';
import type { Pcm } from './pcm';

/** The parts of opus-recorder's decoder `Module` this file calls. */
export interface OpusDecoderWasmModule {
  _opus_decoder_create(sampleRate: number, channels: number, errorPtr: number): number;
  _opus_decode_float(
    decoder: number,
    dataPtr: number,
    length: number,
    pcmPtr: number,
    frameSize: number,
    decodeFec: number,
  ): number;
  _opus_decoder_destroy(decoder: number): void;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  readonly HEAPU8: Uint8Array;
  readonly HEAP32: Int32Array;
  readonly HEAPF32: Float32Array;
}

/** The longest Opus packet lasts 120 ms (RFC 6716 §3.2.5). */
const MAX_PACKET_SAMPLES = (OPUS_RATE_HZ * 120) / 1000;
/** Largest packet libopus accepts in one call: 1275 bytes per frame × up to 48 frames (RFC 6716 §3.4 R5). */
const MAX_PACKET_BYTES = 1275 * 48;

/** Thrown when libopus refuses a stream or a packet (the stream's framing was already valid). */
export class OpusDecodeError extends Error {
  override readonly name = 'OpusDecodeError';
}

/**
 * Decodes a whole Ogg Opus file to planar 48 kHz PCM, trimmed to its playable span (pre-skip
 * dropped, ends at the final granule) with the header's output gain applied.
 */
export function decodeOggOpusFile(module: OpusDecoderWasmModule, bytes: Uint8Array): Pcm {
  const stream = readOggOpus(bytes);
  const channels = stream.head.channelCount; // 1 or 2: the reader accepts mapping family 0 only
  const total = stream.packets.reduce((sum, packet) => sum + packet.samples, 0);
  const planar = Array.from({ length: channels }, () => new Float32Array(total));
  const scratch = module._malloc(4);
  const decoder = module._opus_decoder_create(OPUS_RATE_HZ, channels, scratch);
  const status = module.HEAP32[scratch >> 2] ?? -1;
  module._free(scratch);
  if (decoder === 0 || status !== 0) {
    throw new OpusDecodeError(`libopus refused a ${channels}-channel decoder (error ${status})`);
  }
  const input = module._malloc(MAX_PACKET_BYTES);
  const output = module._malloc(MAX_PACKET_SAMPLES * channels * 4);
  try {
    let at = 0;
    for (const [n, packet] of stream.packets.entries()) {
      if (packet.data.length > MAX_PACKET_BYTES) {
        throw new OpusDecodeError(`packet ${n} is ${packet.data.length} bytes, above any legal Opus packet`);
      }
      module.HEAPU8.set(packet.data, input);
      const decoded = module._opus_decode_float(
        decoder,
        input,
        packet.data.length,
        output,
        MAX_PACKET_SAMPLES,
        0,
      );
      if (decoded < 0) throw new OpusDecodeError(`libopus could not decode packet ${n} (error ${decoded})`);
      const interleaved = module.HEAPF32.subarray(output >> 2, (output >> 2) + decoded * channels);
      const room = Math.min(decoded, total - at);
      for (let c = 0; c < channels; c++) {
        const target = planar[c];
        if (target === undefined) continue;
        for (let i = 0; i < room; i++) target[at + i] = interleaved[i * channels + c] ?? 0;
      }
      at += room;
    }
  } finally {
    module._free(output);
    module._free(input);
    module._opus_decoder_destroy(decoder);
  }
  const decoded: Pcm = { sampleRate: OPUS_RATE_HZ, channels: planar };
  return applyGain(
    trimToPlayable(decoded, stream.head.preSkip, stream.finalGranule),
    stream.head.outputGainDb,
  );
}
