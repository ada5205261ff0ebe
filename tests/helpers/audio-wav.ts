// Moved to src/node/audio/wav.ts (the CLI reads WAV files with it); re-exported for existing tests.
export {
  decodeWav16Mono,
  encodeWav16Mono,
  readWav16Mono,
  writeWav16Mono,
  type MonoAudio,
} from '../../src/node/audio/wav';
