// libopus compiled to WASM (the encoder inside opus-recorder 8's encoderWorker.min.js), driven
// directly: raw packets out, so our own Ogg muxer writes the real pre-skip (opus-recorder's muxer
// hard-codes 80 ms). Runtime-free: the Emscripten module is handed in by the browser or by Node.
import { EncoderError } from './encoder';
import type { Encoder, EncoderOutput, OpusPacket } from './encoder';
import { preSkipAt48k } from './encoder';
import { frameSamples } from './presets';
import type { EncoderPreset } from './presets';

/** The parts of opus-recorder's Emscripten `Module` this encoder calls. */
export interface OpusWasmModule {
  _opus_encoder_create(sampleRate: number, channels: number, application: number, errorPtr: number): number;
  _opus_encode_float(
    encoder: number,
    pcmPtr: number,
    frameSize: number,
    outPtr: number,
    maxBytes: number,
  ): number;
  /** Variadic in C: Emscripten passes the variadic arguments as a pointer to a packed buffer. */
  _opus_encoder_ctl(encoder: number, request: number, varargsPtr: number): number;
  _opus_encoder_destroy(encoder: number): void;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  readonly HEAPU8: Uint8Array;
  readonly HEAP32: Int32Array;
  readonly HEAPF32: Float32Array;
}

/** libopus constants (opus_defines.h). */
const OPUS_APPLICATION = { voip: 2048, audio: 2049 } as const;
const OPUS_SET_BITRATE = 4002;
const OPUS_SET_COMPLEXITY = 4010;
const OPUS_SET_SIGNAL = 4024;
const OPUS_GET_LOOKAHEAD = 4027;
const OPUS_SIGNAL_VOICE = 3001;
/** RFC 6716 recommends 1275 bytes as the most one frame needs; 4000 is libopus's own example. */
const MAX_PACKET_BYTES = 4000;

type LibopusState =
  | { readonly type: 'open'; readonly encoder: number; readonly pcm: number; readonly out: number }
  | { readonly type: 'closed' };

/** `Encoder` over the WASM libopus; encodes synchronously, so packets reach the output inside `encode()`. */
export class LibopusEncoder implements Encoder {
  readonly kind = 'wasm';
  readonly preset: EncoderPreset;
  readonly preSkip: number;
  readonly #module: OpusWasmModule;
  readonly #output: EncoderOutput;
  readonly #frameSamples: number;
  #state: LibopusState;

  constructor(module: OpusWasmModule, preset: EncoderPreset, output: EncoderOutput) {
    this.#module = module;
    this.preset = preset;
    this.#output = output;
    this.#frameSamples = frameSamples(preset);
    const scratch = module._malloc(8);
    const encoder = module._opus_encoder_create(
      preset.sampleRate,
      preset.channels,
      OPUS_APPLICATION[preset.application],
      scratch,
    );
    const status = module.HEAP32[scratch >> 2] ?? -1;
    module._free(scratch);
    if (encoder === 0 || status !== 0) {
      throw new EncoderError('ENCODER_FAILED', `libopus refused the ${preset.id} preset (error ${status})`);
    }
    this.#state = {
      type: 'open',
      encoder,
      pcm: module._malloc(this.#frameSamples * 4),
      out: module._malloc(MAX_PACKET_BYTES),
    };
    this.#setCtl(encoder, OPUS_SET_BITRATE, preset.bitrate);
    this.#setCtl(encoder, OPUS_SET_COMPLEXITY, preset.complexity);
    // Speech presets say so (as `opusenc --speech` and WebCodecs' signal:'voice' do); AUDIO stays automatic.
    if (preset.application === 'voip') this.#setCtl(encoder, OPUS_SET_SIGNAL, OPUS_SIGNAL_VOICE);
    // The lookahead comes back in the encoder's own rate; Ogg Opus counts at 48 kHz.
    this.preSkip = preSkipAt48k(this.#getCtl(encoder, OPUS_GET_LOOKAHEAD), preset.sampleRate);
  }

  encode(frame: Float32Array): void {
    const state = this.#open();
    if (frame.length !== this.#frameSamples) {
      throw new TypeError(`frame must hold ${this.#frameSamples} samples, got ${frame.length}`);
    }
    const module = this.#module;
    module.HEAPF32.set(frame, state.pcm >> 2);
    const bytes = module._opus_encode_float(
      state.encoder,
      state.pcm,
      this.#frameSamples,
      state.out,
      MAX_PACKET_BYTES,
    );
    if (bytes < 0) {
      throw new EncoderError('ENCODER_FAILED', `libopus failed to encode a frame (error ${bytes})`);
    }
    const packet: OpusPacket = {
      data: module.HEAPU8.slice(state.out, state.out + bytes),
      samples: (this.#frameSamples * 48_000) / this.preset.sampleRate,
    };
    this.#output.packet(packet);
  }

  flush(): Promise<void> {
    // One frame of zeros pushes the last real samples (held back by the 6.5 ms lookahead) out;
    // the muxer trims the padding with the final granule position.
    this.encode(new Float32Array(this.#frameSamples));
    return Promise.resolve();
  }

  close(): void {
    if (this.#state.type === 'closed') return;
    const { encoder, pcm, out } = this.#state;
    this.#state = { type: 'closed' };
    this.#module._opus_encoder_destroy(encoder);
    this.#module._free(pcm);
    this.#module._free(out);
  }

  #open(): Extract<LibopusState, { type: 'open' }> {
    if (this.#state.type === 'closed') throw new EncoderError('ENCODER_FAILED', 'the encoder is closed');
    return this.#state;
  }

  #setCtl(encoder: number, request: number, value: number): void {
    const args = this.#module._malloc(4);
    this.#module.HEAP32[args >> 2] = value;
    const status = this.#module._opus_encoder_ctl(encoder, request, args);
    this.#module._free(args);
    if (status !== 0) throw new EncoderError('ENCODER_FAILED', `libopus rejected ctl ${request}=${value}`);
  }

  #getCtl(encoder: number, request: number): number {
    // [result, pointer to result]: the variadic argument of a GET request is an opus_int32*.
    const args = this.#module._malloc(8);
    this.#module.HEAP32[(args >> 2) + 1] = args;
    const status = this.#module._opus_encoder_ctl(encoder, request, args + 4);
    const value = this.#module.HEAP32[args >> 2] ?? 0;
    this.#module._free(args);
    if (status !== 0) throw new EncoderError('ENCODER_FAILED', `libopus rejected ctl ${request}`);
    return value;
  }
}
