/**
 * Estimates a steady tone's frequency by counting rising zero crossings, interpolating the
 * crossing instants between samples for sub-sample precision.
 */
export function zeroCrossingFrequency(samples: ArrayLike<number>, sampleRate: number): number {
  let first = -1;
  let last = -1;
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1] ?? 0;
    const b = samples[i] ?? 0;
    if (a < 0 && b >= 0) {
      const at = i - 1 + a / (a - b);
      if (first < 0) first = at;
      last = at;
      crossings++;
    }
  }
  if (crossings < 2) return 0;
  return ((crossings - 1) * sampleRate) / (last - first);
}

/** RMS of a window. */
export function rms(samples: ArrayLike<number>, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (samples[i] ?? 0) ** 2;
  return to > from ? Math.sqrt(sum / (to - from)) : 0;
}

/**
 * Index of the first sample of the first `windowMs` window whose RMS exceeds `threshold`,
 * refined to the first sample in that window above half the threshold's peak equivalent.
 */
export function onsetIndex(
  samples: ArrayLike<number>,
  sampleRate: number,
  threshold = 0.05,
  windowMs = 5,
): number {
  const window = Math.max(1, Math.round((sampleRate * windowMs) / 1000));
  for (let start = 0; start + window <= samples.length; start += window) {
    if (rms(samples, start, start + window) > threshold) {
      const back = Math.max(0, start - window);
      for (let i = back; i < start + window; i++) if (Math.abs(samples[i] ?? 0) > threshold) return i;
      return start;
    }
  }
  return -1;
}
