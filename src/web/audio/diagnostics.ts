/** Keeps the most recent second of captured samples so tests and support can inspect the signal. */
export class SampleTap {
  private readonly ring: Float32Array;
  private written = 0;

  constructor(readonly sampleRate: number) {
    this.ring = new Float32Array(sampleRate);
  }

  /** Appends a frame, overwriting the oldest samples. */
  push(frame: Float32Array): void {
    for (const sample of frame) {
      this.ring[this.written % this.ring.length] = sample;
      this.written++;
    }
  }

  /** The last `count` samples in time order (fewer if fewer were captured). */
  recent(count: number = this.ring.length): Float32Array {
    const n = Math.min(count, this.ring.length, this.written);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.ring[(this.written - n + i) % this.ring.length] ?? 0;
    return out;
  }
}

/** What the app exposes on `window.sottoDiagnostics` when opened with `?diagnostics`. */
export interface Diagnostics {
  sampleRate: number;
  framesReceived: number;
  samplesDropped: number;
  /** Last second of mono capture at `sampleRate`, as a plain array (crosses `page.evaluate`). */
  recentSamples(): number[];
}

declare global {
  interface Window {
    sottoDiagnostics?: Diagnostics;
  }
}

/** True when the page was opened with the `diagnostics` query flag. */
export function diagnosticsEnabled(): boolean {
  return new URLSearchParams(location.search).has('diagnostics');
}
