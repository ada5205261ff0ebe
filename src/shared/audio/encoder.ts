// The one encoder contract both implementations (WebCodecs, libopus WASM) fulfil.
import type { EncoderPreset } from './presets';

/** Which implementation produced a stream. */
export type EncoderKind = 'webcodecs' | 'wasm';

/** One raw Opus packet. */
export interface OpusPacket {
  /** The packet bytes (owned by the receiver). */
  readonly data: Uint8Array;
  /** Its duration in 48 kHz samples. */
  readonly samples: number;
}

/** Where an encoder delivers its packets (in order) and the failures it finds later. */
export interface EncoderOutput {
  /** Receives each packet. */
  packet(packet: OpusPacket): void;
  /** Receives an error found after `encode()` returned (WebCodecs reports them asynchronously). */
  error(error: EncoderError): void;
}

/**
 * A mono Opus encoder fed whole frames of its preset's length at its preset's rate. Packets may
 * arrive later than the `encode()` that caused them; `flush()` resolves once every packet —
 * including those that carry the codec delay's worth of trailing audio — has reached the output.
 */
export interface Encoder {
  /** Which implementation this is. */
  readonly kind: EncoderKind;
  /** The preset it encodes. */
  readonly preset: EncoderPreset;
  /** Samples at 48 kHz a decoder must drop at the start (the codec delay); final once a packet is out. */
  readonly preSkip: number;
  /** Encodes one frame; the encoder copies what it needs before returning. */
  encode(frame: Float32Array): void;
  /** Encodes the codec delay's worth of padding and delivers every pending packet. */
  flush(): Promise<void>;
  /** Frees the codec; idempotent. */
  close(): void;
}

/** Stable reasons an encoder fails. */
export type EncoderErrorCode = 'ENCODER_UNSUPPORTED' | 'ENCODER_FAILED';

/** An encoder could not be created or broke down. */
export class EncoderError extends Error {
  /** Stable machine-readable reason. */
  readonly code: EncoderErrorCode;

  constructor(code: EncoderErrorCode, message: string) {
    super(message);
    this.name = 'EncoderError';
    this.code = code;
  }
}

/** libopus's delay for the VOIP and AUDIO applications: 6.5 ms, i.e. 312 samples at 48 kHz. */
export const LIBOPUS_DELAY_48K = 312;

/**
 * Reads an encoder-reported delay as 48 kHz samples. Chromium's WebCodecs reports it in the
 * encoder's own rate (104 at 16 kHz) where RFC 7845 wants 48 kHz units; of the two readings,
 * the one nearer libopus's known delay wins, so a browser that fixes this is still read right.
 */
export function preSkipAt48k(reported: number, encoderRate: number): number {
  const scaled = Math.round((reported * 48_000) / encoderRate);
  return Math.abs(scaled - LIBOPUS_DELAY_48K) <= Math.abs(reported - LIBOPUS_DELAY_48K) ? scaled : reported;
}
