// opus-recorder 8's WASM Ogg Opus encoder, driven directly under Node (no Worker, no browser).
// Its CommonJS export is `{ Module, OggOpusEncoder }`; the output is byte-identical to the browser's.
import { createRequire } from 'node:module';

/** Encoder settings of opus-recorder's `init` message (see NOTES.md). */
export interface OpusRecorderConfig {
  /** 2048 VOIP, 2049 AUDIO, 2051 RESTRICTED_LOWDELAY. */
  readonly encoderApplication: number;
  /** Opus rate: 8000, 12000, 16000, 24000 or 48000. */
  readonly encoderSampleRate: number;
  /** Frame length in ms. */
  readonly encoderFrameSize: number;
  /** Target bit rate in bit/s. */
  readonly encoderBitRate: number;
  /** Channels of the input. */
  readonly numberOfChannels: number;
  /** Rate of the input; always pass the real one (the default is 44100). */
  readonly originalSampleRate: number;
  /** Audio frames per Ogg page. */
  readonly maxFramesPerPage: number;
  /** Ogg serial number; random when left out. */
  readonly serial?: number;
}

/** The standard preset (DESIGN.md §4) as opus-recorder settings. */
export const STANDARD_OPUS_RECORDER_CONFIG: OpusRecorderConfig = {
  encoderApplication: 2048,
  encoderSampleRate: 48_000,
  encoderFrameSize: 20,
  encoderBitRate: 24_000,
  numberOfChannels: 1,
  originalSampleRate: 48_000,
  maxFramesPerPage: 50,
};

interface EncoderPage {
  readonly page: Uint8Array;
}

interface OggOpusEncoder {
  generateIdPage(): EncoderPage;
  generateCommentPage(): EncoderPage;
  encode(buffers: Float32Array[]): EncoderPage[];
  encodeFinalFrame(): EncoderPage[];
  destroy(): void;
}

interface EmscriptenModule {
  calledRun?: boolean;
  onRuntimeInitialized?: () => void;
}

interface OpusRecorderExports {
  readonly Module: EmscriptenModule;
  readonly OggOpusEncoder: new (config: OpusRecorderConfig, module: EmscriptenModule) => OggOpusEncoder;
}

let loaded: Promise<OpusRecorderExports> | undefined;

/** Loads the encoder once and waits for its WASM runtime (synchronous under Node, but be safe). */
function loadOpusRecorder(): Promise<OpusRecorderExports> {
  loaded ??= new Promise((resolve) => {
    const exports = createRequire(import.meta.url)(
      'opus-recorder/dist/encoderWorker.min.js',
    ) as OpusRecorderExports;
    if (exports.Module.calledRun === true) resolve(exports);
    else {
      exports.Module.onRuntimeInitialized = () => {
        resolve(exports);
      };
    }
  });
  return loaded;
}

/**
 * Encodes mono float samples with opus-recorder exactly as its worker would (header pages
 * first, then `encode` per `bufferSamples` block, then `done`) and returns every page in order.
 * The pages carry opus-recorder's fixed 3840-sample pre-skip: fix it before use.
 */
export async function encodeWithOpusRecorder(
  samples: Float32Array,
  config: Partial<OpusRecorderConfig> = {},
  bufferSamples = 960,
): Promise<Uint8Array[]> {
  const { Module, OggOpusEncoder } = await loadOpusRecorder();
  const encoder = new OggOpusEncoder({ ...STANDARD_OPUS_RECORDER_CONFIG, ...config }, Module);
  try {
    // Header pages must be asked for before any audio, or their sequence numbers come out wrong.
    const pages: EncoderPage[] = [encoder.generateIdPage(), encoder.generateCommentPage()];
    for (let from = 0; from < samples.length; from += bufferSamples) {
      // A copy per call: the worker receives transferred buffers, never views of one array.
      pages.push(...encoder.encode([samples.slice(from, from + bufferSamples)]));
    }
    pages.push(...encoder.encodeFinalFrame());
    return pages.map(({ page }) => page);
  } finally {
    encoder.destroy();
  }
}
