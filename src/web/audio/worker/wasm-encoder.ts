// The fallback path: opus-recorder 8's WASM libopus, imported as a lazily loaded chunk of the
// encoder worker (same origin, so it needs nothing special under COEP require-corp).
import type { EncoderOutput } from '../../../shared/audio/encoder';
import { EncoderError } from '../../../shared/audio/encoder';
import { LibopusEncoder } from '../../../shared/audio/libopus-encoder';
import type { OpusWasmModule } from '../../../shared/audio/libopus-encoder';
import type { EncoderPreset } from '../../../shared/audio/presets';

interface EmscriptenModule {
  calledRun?: boolean;
  onRuntimeInitialized?: () => void;
}

let loading: Promise<OpusWasmModule> | null = null;

async function loadModule(): Promise<OpusWasmModule> {
  const scope = self as DedicatedWorkerGlobalScope;
  const ours = scope.onmessage;
  const { default: exports } = await import('opus-recorder/dist/encoderWorker.min.js');
  // The script installs its own worker `onmessage` handler when it runs; keep ours.
  scope.onmessage = ours;
  const module = exports.Module as OpusWasmModule & EmscriptenModule;
  if (typeof module._opus_encode_float !== 'function') {
    throw new EncoderError('ENCODER_UNSUPPORTED', 'the WASM Opus encoder did not load');
  }
  // The WASM is inlined and compiles synchronously, so the runtime is normally up already.
  if (module.calledRun !== true) {
    await new Promise<void>((resolve) => {
      module.onRuntimeInitialized = resolve;
    });
  }
  return module;
}

/** Creates the WASM encoder, loading (once) the 180 KB gzip chunk that holds libopus. */
export async function createWasmEncoder(
  preset: EncoderPreset,
  output: EncoderOutput,
): Promise<LibopusEncoder> {
  loading ??= loadModule();
  try {
    return new LibopusEncoder(await loading, preset, output);
  } catch (error) {
    loading = null;
    throw error instanceof EncoderError
      ? error
      : new EncoderError('ENCODER_UNSUPPORTED', `the WASM Opus encoder failed to start: ${String(error)}`);
  }
}
