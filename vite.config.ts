import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig } from 'vite';
import type { Plugin } from 'vite';

/** Cross-origin isolation, so SharedArrayBuffer and precise timers are available (DESIGN.md §7). */
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const EMPTY_MODULE = '\0sotto-empty-node-builtin';
const OPUS_RECORDER_ENCODER = /\/opus-recorder\/dist\/encoderWorker\.min\.js(\?.*)?$/;

/**
 * Makes opus-recorder's encoder worker script importable from our module worker. The script is
 * a classic worker whose CommonJS export (`var module = module || {}; module.exports = …`) no
 * bundler recognises, so its two globals are exported explicitly; and its Node branch's
 * `require('fs'|'path')`, which never runs in a browser, resolves to an empty module.
 */
function opusRecorderAsModule(): Plugin {
  return {
    name: 'sotto-opus-recorder-as-module',
    enforce: 'pre',
    resolveId(source, importer) {
      if ((source === 'fs' || source === 'path') && importer?.includes('/opus-recorder/') === true) {
        return EMPTY_MODULE;
      }
      return null;
    },
    load(id) {
      return id === EMPTY_MODULE ? 'export default {};' : null;
    },
    transform(code, id) {
      if (!OPUS_RECORDER_ENCODER.test(id)) return null;
      return { code: `${code}\nexport default { Module, OggOpusEncoder };\n`, map: null };
    },
  };
}

/** opus-recorder's MIT licence and the Opus and Speex BSD notices must ship with the app. */
function thirdPartyNotices(): Plugin {
  return {
    name: 'sotto-third-party-notices',
    apply: 'build',
    generateBundle() {
      const licence = createRequire(import.meta.url).resolve('opus-recorder/LICENSE.md');
      this.emitFile({
        type: 'asset',
        fileName: 'licenses/opus-recorder.txt',
        source: readFileSync(licence, 'utf8'),
      });
    },
  };
}

export default defineConfig({
  plugins: [opusRecorderAsModule(), thirdPartyNotices()],
  // Served through the plugin above in dev too, rather than pre-bundled as CommonJS.
  optimizeDeps: { exclude: ['opus-recorder'] },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  worker: { format: 'es', plugins: () => [opusRecorderAsModule()] },
  build: { target: 'es2022', sourcemap: true },
});
