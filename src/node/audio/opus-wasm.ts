// opus-recorder 8's WASM libopus under Node, as the `OpusWasmModule` our LibopusEncoder drives.
import { createRequire } from 'node:module';
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
