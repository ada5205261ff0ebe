// Measurements the recorder e2e tests make on decoded audio: alignment against a reference,
// a chirp's frequency track (a clock inside the signal), and silent stretches.
import { zeroCrossingHz } from './audio-signal';

/**
 * Lag (in samples, within ±maxLag) at which `signal[from + lag …]` best matches
 * `reference[from …]` over `length` samples, by normalised cross-correlation; with its score.
 */
export function alignmentLag(
  reference: ArrayLike<number>,
  signal: ArrayLike<number>,
  from: number,
  length: number,
  maxLag: number,
): { lag: number; correlation: number } {
  let best = { lag: 0, correlation: -Infinity };
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let dot = 0;
    let energyRef = 0;
    let energySig = 0;
    for (let i = from; i < from + length; i++) {
      const a = reference[i] ?? 0;
      const b = signal[i + lag] ?? 0;
      dot += a * b;
      energyRef += a * a;
      energySig += b * b;
    }
    const correlation = dot / Math.sqrt(energyRef * energySig || 1);
    if (correlation > best.correlation) best = { lag, correlation };
  }
  return best;
}

/** One point of a frequency track: window centre in seconds and frequency in Hz. */
export interface TrackPoint {
  readonly t: number;
  readonly hz: number;
}

/** Frequency in consecutive windows of `windowMs` between `fromS` and `toS` (seconds). */
export function frequencyTrack(
  samples: ArrayLike<number>,
  rate: number,
  fromS: number,
  toS: number,
  windowMs = 20,
): TrackPoint[] {
  const window = Math.round((rate * windowMs) / 1000);
  const points: TrackPoint[] = [];
  for (let start = Math.round(fromS * rate); start + window <= Math.round(toS * rate); start += window) {
    const hz = zeroCrossingHz(samples, rate, start, start + window);
    if (hz > 0) points.push({ t: (start + window / 2) / rate, hz });
  }
  return points;
}

/** A least-squares line hz = intercept + slope·t, refitted once without points off by more than `outlierHz`. */
export function fitLine(
  points: readonly TrackPoint[],
  outlierHz = 40,
): { slope: number; intercept: number; used: number } {
  const fit = (ps: readonly TrackPoint[]) => {
    const n = ps.length;
    const mt = ps.reduce((s, p) => s + p.t, 0) / n;
    const mh = ps.reduce((s, p) => s + p.hz, 0) / n;
    let num = 0;
    let den = 0;
    for (const p of ps) {
      num += (p.t - mt) * (p.hz - mh);
      den += (p.t - mt) ** 2;
    }
    const slope = num / den;
    return { slope, intercept: mh - slope * mt, used: n };
  };
  const first = fit(points);
  const kept = points.filter((p) => Math.abs(p.hz - (first.intercept + first.slope * p.t)) <= outlierHz);
  return kept.length >= 3 ? fit(kept) : first;
}

/** Start times (seconds) of `windowMs` windows in `[fromS, toS)` whose RMS is below `threshold`. */
export function quietWindows(
  samples: ArrayLike<number>,
  rate: number,
  fromS: number,
  toS: number,
  threshold: number,
  windowMs = 10,
): number[] {
  const window = Math.round((rate * windowMs) / 1000);
  const quiet: number[] = [];
  for (let start = Math.round(fromS * rate); start + window <= Math.round(toS * rate); start += window) {
    let sum = 0;
    for (let i = start; i < start + window; i++) sum += (samples[i] ?? 0) ** 2;
    if (Math.sqrt(sum / window) < threshold) quiet.push(start / rate);
  }
  return quiet;
}
