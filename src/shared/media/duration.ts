import type { Millis } from '../brand';

/** Opus always counts time in samples at 48 kHz, whatever rate it was encoded or decoded at. */
export const OPUS_RATE_HZ = 48_000;
/** 48 kHz samples per millisecond. */
export const SAMPLES_PER_MS = OPUS_RATE_HZ / 1000;

/** A playable length, in 48 kHz samples and in milliseconds. */
export interface OpusDuration {
  /** Samples at 48 kHz per channel. */
  readonly samples: number;
  /** The same length in milliseconds (fractional: 1 sample = 1/48 ms). */
  readonly ms: Millis;
}

/**
 * Playable duration of an Ogg Opus stream from its last granule position and its pre-skip
 * (RFC 7845 §4.5: granule positions count decoder output including the pre-skip); never negative.
 */
export function durationFromGranule(finalGranule: number | bigint, preSkip: number): OpusDuration {
  const samples = Math.max(0, Number(finalGranule) - preSkip);
  return { samples, ms: samplesToMs(samples) };
}

/** Converts 48 kHz samples to milliseconds. */
export function samplesToMs(samples: number): Millis {
  return (samples / SAMPLES_PER_MS) as Millis;
}
