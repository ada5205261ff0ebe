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

/** A finished recording as the tests see it (binary fields in base64: they cross `page.evaluate`). */
export interface RecordingDiagnostics {
  /** The Ogg Opus file. */
  readonly bytesBase64: string;
  /** Samples recorded, first captured frame to last, at `sampleRate`. */
  readonly recordedSamples: number;
  readonly sampleRate: number;
  readonly encoder: string;
  readonly preSkip: number;
  readonly endReason: string;
  /** Recorded stretches of the capture timeline, in capture samples. */
  readonly segments: readonly { readonly from: number; readonly to: number }[];
  /** The encoder's input (Float32, little-endian), if kept. */
  readonly inputBase64: string | null;
  readonly waveform: readonly number[];
}

/** PCM decoded by the app's own player. */
export interface DecodedDiagnostics {
  readonly decoder: string;
  readonly sampleRate: number;
  /** First channel, Float32 little-endian. */
  readonly samplesBase64: string;
}

/** What the player played for a while, captured from its output. */
export interface PlaybackDiagnostics {
  readonly sampleRate: number;
  /** Mono Float32 little-endian. */
  readonly samplesBase64: string;
  /** The player's position as each captured frame arrived, after `sample` samples. */
  readonly marks: readonly { readonly sample: number; readonly positionMs: number }[];
}

/** Result of encoding PCM offline through the encoder worker (bench). */
export interface OfflineEncodeDiagnostics {
  readonly encoder: string;
  readonly elapsedMs: number;
  readonly recordedSamples: number;
  readonly bytesBase64: string;
}

/** What the recorder exposes on `window.sottoAudio` when opened with `?diagnostics`. */
export interface AudioDiagnostics {
  /** The last finished recording, or null. */
  lastRecording(): RecordingDiagnostics | null;
  /** What the preview player decoded, or null before it has loaded. */
  decoded(): DecodedDiagnostics | null;
  /** Captures `ms` of what the playing preview sounds like (at its speed, after pitch correction). */
  recordPlayback(ms: number): Promise<PlaybackDiagnostics>;
  /** Ends the microphone track as an unplugged device would; false if none is open. */
  endMicrophone(): boolean;
  /** Encodes mono Float32 PCM (base64) at a preset's rate through the encoder worker. */
  encodeOffline(pcmBase64: string, presetId: string, encoder: string): Promise<OfflineEncodeDiagnostics>;
}

declare global {
  interface Window {
    sottoAudio?: AudioDiagnostics;
  }
}

/** Base64 of bytes, in slices so large buffers do not overflow the argument list. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const SLICE = 0x8000;
  for (let i = 0; i < bytes.length; i += SLICE) {
    binary += String.fromCharCode(...bytes.subarray(i, i + SLICE));
  }
  return btoa(binary);
}

/** Bytes of a base64 string. */
export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Base64 of a Float32Array's bytes (platform order: little-endian everywhere Sotto runs). */
export function float32ToBase64(samples: Float32Array): string {
  return bytesToBase64(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength));
}
