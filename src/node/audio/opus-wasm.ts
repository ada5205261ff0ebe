// opus-recorder 8's WASM libopus under Node: the encoder as the `OpusWasmModule` our LibopusEncoder
// drives, the decoder as the `OpusDecoderWasmModule` of decodeOggOpusFile.
import { createRequire } from 'node:module';
import type { OpusDecoderWasmModule } from '../../shared/audio/libopus-decoder';
import type { OpusWasmModule } from '../../shared/audio/libopus-encoder';

interface EmscriptenExports {
  readonly Module: OpusWasmModule & { calledRun?: boolean; onRuntimeInitialized?: () => void };
}

let loaded: Promise<OpusWasmModule> | undefined;

/** Loads the module once (its WASM is inlined and compiles synchronously, but waits to be safe). */
export function loadOpusWasmModule(): Promise<OpusWasmModule> {
  loaded ??= new Promise((resolve) => {
    const { Module } = createRequire(import.meta.url)(
      'opus-recorder/dist/encoderWorker.min.js',
    ) as EmscriptenExports;
    if (Module.calledRun === true) resolve(Module);
    else {
      Module.onRuntimeInitialized = () => {
        resolve(Module);
      };
    }
  });
  return loaded;
}

let decoderLoaded: Promise<OpusDecoderWasmModule> | undefined;

/**
 * Loads opus-recorder's WASM decoder once. Its Emscripten glue fetches the .wasm with `fetch()`
 * whenever `fetch` exists, which in Node fails on a file path; with `fetch` hidden while the
 * script runs, it reads the file with `fs` instead. The glue looks `fetch` up only synchronously.
 */
export function loadOpusDecoderModule(): Promise<OpusDecoderWasmModule> {
  decoderLoaded ??= (() => {
    const realFetch = globalThis.fetch;
    Reflect.deleteProperty(globalThis, 'fetch');
    try {
      const module = createRequire(import.meta.url)(
        'opus-recorder/dist/decoderWorker.min.js',
      ) as OpusDecoderWasmModule & { mainReady: Promise<void> };
      return module.mainReady.then(() => module);
    } finally {
      globalThis.fetch = realFetch;
    }
  })();
  return decoderLoaded;
}
