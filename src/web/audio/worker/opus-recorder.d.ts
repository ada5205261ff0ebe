// opus-recorder ships no types. Its encoder worker script ends in a CommonJS export, which the
// bundler turns into a default export when the script is imported as a module.
declare module 'opus-recorder/dist/encoderWorker.min.js' {
  const exports: { readonly Module: unknown; readonly OggOpusEncoder: unknown };
  export default exports;
}
