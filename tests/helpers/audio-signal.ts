// Test signals and measurements: what a person would check by ear, as numbers.

/** Rate of generated signals unless told otherwise: the standard preset's rate. */
export const TEST_RATE_HZ = 48_000;

/** A sine tone starting at phase 0 (a clean zero crossing); amplitude 0.5 = −6 dBFS. */
export function sineTone(hz: number, seconds: number, amplitude = 0.5, rate = TEST_RATE_HZ): Float32Array {
  const out = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / rate);
  return out;
}

/** Digital silence. */
export function silence(seconds: number, rate = TEST_RATE_HZ): Float32Array {
  return new Float32Array(Math.round(seconds * rate));
}

/** Concatenates signals. */
export function concatAudio(...parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** RMS of `samples[from..to)`; 0 for an empty window. */
export function rmsOf(samples: ArrayLike<number>, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (samples[i] ?? 0) ** 2;
  return to > from ? Math.sqrt(sum / (to - from)) : 0;
}

/** Per-frame RMS levels (the worklet's 20 ms level at 48 kHz is `frameSamples` = 960). */
export function frameLevels(samples: ArrayLike<number>, frameSamples = 960): number[] {
  const levels: number[] = [];
  for (let from = 0; from + frameSamples <= samples.length; from += frameSamples) {
    levels.push(rmsOf(samples, from, from + frameSamples));
  }
  return levels;
}

/**
 * Frequency of a steady tone in Hz from its rising zero crossings in `samples[from..to)`,
 * interpolated between samples; 0 if there are fewer than two crossings.
 */
export function zeroCrossingHz(
  samples: ArrayLike<number>,
  rate: number,
  from = 0,
  to = samples.length,
): number {
  let first = -1;
  let last = -1;
  let crossings = 0;
  for (let i = Math.max(1, from); i < to; i++) {
    const a = samples[i - 1] ?? 0;
    const b = samples[i] ?? 0;
    if (a < 0 && b >= 0) {
      const at = i - 1 + a / (a - b);
      if (first < 0) first = at;
      last = at;
      crossings++;
    }
  }
  return crossings < 2 ? 0 : ((crossings - 1) * rate) / (last - first);
}

/**
 * A steady tone's frequency as the median of `zeroCrossingHz` over consecutive `windowMs` windows
 * of `samples[from..to)`. Chromium's fake microphone has rare 10 ms glitches (and a loaded machine
 * can drop a capture frame); one glitch spoils one window instead of the whole estimate.
 */
export function medianToneHz(
  samples: ArrayLike<number>,
  rate: number,
  from = 0,
  to = samples.length,
  windowMs = 50,
): number {
  const window = Math.round((rate * windowMs) / 1000);
  const estimates: number[] = [];
  for (let start = from; start + window <= to; start += window) {
    estimates.push(zeroCrossingHz(samples, rate, start, start + window));
  }
  estimates.sort((a, b) => a - b);
  return estimates[Math.floor(estimates.length / 2)] ?? 0;
}

/**
 * Index of the first sample whose magnitude exceeds `threshold` inside the first `windowMs`
 * window whose RMS exceeds it too (so a lone click does not count); −1 if none.
 */
export function onsetIndex(samples: ArrayLike<number>, rate: number, threshold = 0.05, windowMs = 5): number {
  const window = Math.max(1, Math.round((rate * windowMs) / 1000));
  for (let start = 0; start + window <= samples.length; start += window) {
    if (rmsOf(samples, start, start + window) > threshold) {
      for (let i = Math.max(0, start - window); i < start + window; i++) {
        if (Math.abs(samples[i] ?? 0) > threshold) return i;
      }
      return start;
    }
  }
  return -1;
}

/** Onset time in seconds (see `onsetIndex`), or −1 if the signal never rises above the threshold. */
export function onsetSeconds(samples: ArrayLike<number>, rate: number, threshold = 0.05): number {
  const index = onsetIndex(samples, rate, threshold);
  return index < 0 ? -1 : index / rate;
}
