/** Most values a waveform holds (DESIGN.md §4). */
export const WAVEFORM_MAX_VALUES = 100;
/** Level that maps to 0; everything quieter is 0 too. */
export const WAVEFORM_FLOOR_DB = -60;
/** Largest waveform value, for a full-scale (0 dBFS) level. */
export const WAVEFORM_MAX_VALUE = 255;
/** Internal buckets kept before pairs merge: 4× the output, so re-binning into 100 stays even. */
const FINE_BUCKETS = WAVEFORM_MAX_VALUES * 4;

/** Maps an RMS amplitude (0..1) to 0..255: its level in dB above −60 dBFS, scaled linearly. */
export function levelToWaveformValue(rms: number): number {
  if (!(rms > 0)) return 0;
  const db = 20 * Math.log10(rms);
  const scaled = ((db - WAVEFORM_FLOOR_DB) / -WAVEFORM_FLOOR_DB) * WAVEFORM_MAX_VALUE;
  return Math.min(WAVEFORM_MAX_VALUE, Math.max(0, Math.round(scaled)));
}

/**
 * Builds a voice message's waveform incrementally from per-frame RMS levels (one per 20 ms
 * frame), in constant memory. Each value is the RMS (energy mean) of the levels it spans — not
 * their peak — so pauses inside a span pull it down, as they would on a meter, and spans merge
 * exactly. `snapshot()` gives min(frames, 100) values at any time.
 */
export class WaveformBuilder {
  /** Sum of squared levels per bucket; bucket k spans frames [k·framesPerBucket, (k+1)·framesPerBucket). */
  readonly #energy = new Float64Array(FINE_BUCKETS);
  #framesPerBucket = 1;
  #frames = 0;

  /** Frames pushed so far. */
  get frameCount(): number {
    return this.#frames;
  }

  /** Adds one frame's RMS amplitude; values outside 0..1 are clamped and NaN counts as silence. */
  push(level: number): void {
    const clamped = level > 0 ? Math.min(1, level) : 0;
    let bucket = Math.floor(this.#frames / this.#framesPerBucket);
    if (bucket === FINE_BUCKETS) {
      this.#mergePairs();
      bucket = Math.floor(this.#frames / this.#framesPerBucket);
    }
    this.#energy[bucket] = (this.#energy[bucket] ?? 0) + clamped * clamped;
    this.#frames++;
  }

  /** The waveform so far: min(frames, 100) values in 0..255, each spanning an equal share of the frames. */
  snapshot(): Uint8Array {
    const frames = this.#frames;
    const count = Math.min(frames, WAVEFORM_MAX_VALUES);
    const out = new Uint8Array(count);
    // Work in units of 1/count frame so slice and bucket edges are integers.
    const bucketUnits = this.#framesPerBucket * count;
    const totalUnits = frames * count;
    let bucket = 0;
    for (let slice = 0; slice < count; slice++) {
      const from = slice * frames;
      const to = from + frames;
      let weighted = 0;
      while (bucket * bucketUnits < to) {
        const start = bucket * bucketUnits;
        const end = Math.min(start + bucketUnits, totalUnits);
        const bucketFrames = (end - start) / count;
        const meanSquare = (this.#energy[bucket] ?? 0) / bucketFrames;
        weighted += (Math.min(end, to) - Math.max(start, from)) * meanSquare;
        if (end > to) break; // the bucket straddles into the next slice
        bucket++;
      }
      out[slice] = levelToWaveformValue(Math.sqrt(weighted / frames));
    }
    return out;
  }

  #mergePairs(): void {
    const energy = this.#energy;
    for (let i = 0; i < FINE_BUCKETS / 2; i++) energy[i] = (energy[2 * i] ?? 0) + (energy[2 * i + 1] ?? 0);
    energy.fill(0, FINE_BUCKETS / 2);
    this.#framesPerBucket *= 2;
  }
}

/** The waveform of whole mono audio, one level per `frameSamples` samples (the last frame zero-padded). */
export function waveformOfSamples(samples: Float32Array, frameSamples: number): Uint8Array {
  const builder = new WaveformBuilder();
  for (let from = 0; from < samples.length; from += frameSamples) {
    const to = Math.min(samples.length, from + frameSamples);
    let energy = 0;
    for (let i = from; i < to; i++) energy += (samples[i] ?? 0) ** 2;
    builder.push(Math.sqrt(energy / frameSamples));
  }
  return builder.snapshot();
}
