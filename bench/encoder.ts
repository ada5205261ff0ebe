// Encoder benchmark (issue 3). Prints one JSON object: 60 s of a generated speech-like signal at
// the standard preset (48 kHz mono, 24 kbit/s VBR, 20 ms, complexity 10, speech) encoded by
//  - webcodecs: the app's encoder worker, WebCodecs AudioEncoder path, in headless Chromium,
//  - wasm:      the same worker forced onto opus-recorder's WASM libopus,
//  - native:    `opusenc` (opus-tools, system libopus) on the same 16-bit samples,
// with medians over BENCH_RUNS (default 5) runs after one warm-up each, and the ratios to native.
// Browser times run from the first frame sent to the worker to the finished Ogg stream (worker
// start-up and WASM loading excluded); native times are the whole opusenc process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { buildIfStale } from '../scripts/build-if-stale';
import { PRESETS } from '../src/shared/audio/presets';
import type {} from '../src/web/audio/diagnostics';
import { chromiumArgs, chromiumPath } from '../tests/e2e/chromium';
import { speechLike } from '../tests/fixtures/signals';
import { startServer } from '../tests/helpers/server';
import { writeWav16Mono } from '../tests/helpers/audio-wav';
import { envInt, median, report, round } from './lib';

const RUNS = envInt('BENCH_RUNS', 5);
const SECONDS = envInt('BENCH_ENCODER_SECONDS', 60);
const PRESET = PRESETS.standard;
/** opusenc flags matching the preset (opusenc has no VOIP application switch; see docs/AUDIO.md). */
const OPUSENC_ARGS = ['--quiet', '--bitrate', '24', '--framesize', '20', '--comp', '10', '--vbr', '--speech'];

function log(line: string): void {
  process.stderr.write(`bench/encoder: ${line}\n`);
}

/** The signal as the 16-bit WAV holds it, so every encoder sees identical samples. */
function quantised(samples: Float32Array): Float32Array {
  return samples.map((s) => Math.round(Math.max(-1, Math.min(1, s)) * 32767) / 32768);
}

function timeNative(wav: string, out: string): number {
  const started = performance.now();
  const result = spawnSync('opusenc', [...OPUSENC_ARGS, wav, out], { encoding: 'utf8' });
  const elapsed = performance.now() - started;
  if (result.error !== undefined) {
    throw new Error(`opusenc failed to run (apt-get install opus-tools): ${result.error.message}`);
  }
  if (result.status !== 0) throw new Error(`opusenc exited with ${result.status}: ${result.stderr}`);
  return elapsed;
}

function summary(times: readonly number[], bytes: number) {
  const ms = median(times);
  return {
    medianMs: round(ms, 1),
    runsMs: times.map((t) => round(t, 1)),
    realtimeX: round((SECONDS * 1000) / ms, 1),
    bytes,
  };
}

const temp = mkdtempSync(path.join(os.tmpdir(), 'sotto-bench-encoder-'));
const samples = quantised(speechLike(SECONDS, PRESET.sampleRate, 1));
const wav = path.join(temp, 'speech.wav');
writeWav16Mono(wav, { sampleRate: PRESET.sampleRate, samples });

buildIfStale(process.cwd());
const server = await startServer();
const browser = await chromium.launch({
  executablePath: chromiumPath(),
  args: chromiumArgs(),
  headless: true,
});
type Path = 'native' | 'webcodecs' | 'wasm';
const times: Record<Path, number[]> = { native: [], webcodecs: [], wasm: [] };
const bytes: Record<Path, number> = { native: 0, webcodecs: 0, wasm: 0 };
const nativeOut = path.join(temp, 'native.opus');
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}?diagnostics`);
  await page.waitForFunction(() => window.sottoAudio !== undefined);
  const pcm = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength).toString('base64');
  await page.evaluate((data) => {
    (window as unknown as { benchPcm: string }).benchPcm = data;
  }, pcm);
  const encodeInBrowser = async (encoder: 'webcodecs' | 'wasm'): Promise<number> => {
    const result = await page.evaluate(
      ({ preset, choice }) => {
        const audio = window.sottoAudio;
        if (audio === undefined) throw new Error('diagnostics are not installed');
        return audio.encodeOffline((window as unknown as { benchPcm: string }).benchPcm, preset, choice);
      },
      { preset: PRESET.id, choice: encoder },
    );
    if (result.encoder !== encoder) {
      throw new Error(`asked for ${encoder}, the worker used ${result.encoder}`);
    }
    if (result.recordedSamples !== samples.length) {
      throw new Error(`${encoder} encoded ${result.recordedSamples} of ${samples.length} samples`);
    }
    bytes[encoder] = Buffer.from(result.bytesBase64, 'base64').length;
    return result.elapsedMs;
  };
  // Rounds interleave the three paths, so load from elsewhere on the machine hits them alike;
  // round 0 warms up (page caches, JIT, WASM compile) and is not counted.
  for (let round = 0; round <= RUNS; round++) {
    log(`round ${round}/${RUNS}${round === 0 ? ' (warm-up)' : ''}`);
    const native = timeNative(wav, nativeOut);
    const webcodecs = await encodeInBrowser('webcodecs');
    const wasm = await encodeInBrowser('wasm');
    if (round === 0) continue;
    times.native.push(native);
    times.webcodecs.push(webcodecs);
    times.wasm.push(wasm);
  }
  bytes.native = statSync(nativeOut).size;
} finally {
  await browser.close();
  await server.dispose();
  rmSync(temp, { recursive: true, force: true });
}

const native = summary(times.native, bytes.native);
const webcodecs = summary(times.webcodecs, bytes.webcodecs);
const wasm = summary(times.wasm, bytes.wasm);
report({
  bench: 'encoder',
  input: { signal: 'speechLike(seed 1)', seconds: SECONDS, sampleRate: PRESET.sampleRate, channels: 1 },
  preset: {
    id: PRESET.id,
    bitrate: PRESET.bitrate,
    application: PRESET.application,
    frameMs: PRESET.frameMs,
    complexity: PRESET.complexity,
  },
  native: { command: `opusenc ${OPUSENC_ARGS.join(' ')}`, ...native },
  webcodecs,
  wasm,
  ratios: {
    webcodecsOverNative: round(webcodecs.medianMs / native.medianMs, 2),
    wasmOverNative: round(wasm.medianMs / native.medianMs, 2),
  },
  budgets: { webcodecsOverNative: 1.25, wasmOverNative: 2 },
  runs: RUNS,
});
