// A windowed-sinc resampler for files whose rate is not the encoder's (e.g. 44.1 kHz → 48 kHz).
// Offline and exact enough for voice: ±32 taps, Blackman window, cutoff at the lower Nyquist.

/** Taps on each side of the interpolation point. */
const HALF_TAPS = 32;
/** Cutoff as a fraction of the lower Nyquist frequency, leaving room for the window's transition band. */
const CUTOFF = 0.95;

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

function blackman(x: number, halfWidth: number): number {
  const n = (x + halfWidth) / (2 * halfWidth);
  if (n < 0 || n > 1) return 0;
  return 0.42 - 0.5 * Math.cos(2 * Math.PI * n) + 0.08 * Math.cos(4 * Math.PI * n);
}

/** Kernel table entries per input sample of distance (linear interpolation between them). */
const PHASES = 256;

/** Converts `samples` from `fromRate` to `toRate`; returns the input itself when the rates match. */
export function resample(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return samples;
  if (!(fromRate > 0 && toRate > 0)) throw new TypeError('sample rates must be positive');
  const ratio = toRate / fromRate;
  // Below 1 when downsampling: the filter must cut at the output's Nyquist, and widen accordingly.
  const scale = Math.min(1, ratio) * CUTOFF;
  const halfWidth = HALF_TAPS / scale;
  // The kernel is symmetric: tabulate it once over [0, halfWidth].
  const table = new Float64Array(Math.ceil(halfWidth * PHASES) + 2);
  for (let i = 0; i < table.length; i++) {
    const distance = i / PHASES;
    table[i] = sinc(distance * scale) * blackman(distance, halfWidth) * scale;
  }
  const out = new Float32Array(Math.round(samples.length * ratio));
  for (let n = 0; n < out.length; n++) {
    const center = n / ratio;
    const first = Math.max(0, Math.ceil(center - halfWidth));
    const last = Math.min(samples.length - 1, Math.floor(center + halfWidth));
    let sum = 0;
    for (let k = first; k <= last; k++) {
      const position = Math.abs(center - k) * PHASES;
      const index = Math.floor(position);
      const fraction = position - index;
      const weight = (table[index] ?? 0) * (1 - fraction) + (table[index + 1] ?? 0) * fraction;
      sum += (samples[k] ?? 0) * weight;
    }
    out[n] = sum;
  }
  return out;
}
