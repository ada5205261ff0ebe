// Moved to src/node/audio (the CLI encodes with it); re-exported for the tests that import it from here.
export { loadOpusWasmModule } from '../../src/node/audio/opus-wasm';
