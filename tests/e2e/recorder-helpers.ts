// Driving the recorder UI and reading what it produced, for the recorder e2e specs.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
// The import brings `window.sottoAudio` into scope.
import type {} from '../../src/web/audio/diagnostics';
import { makeTempDir, opusinfoProblems, runToolOk } from '../helpers/audio-tools';
import { readWav16Mono } from '../helpers/audio-wav';
import type { TestServer } from '../helpers/server';
import { expect } from './test';

/** Rate the tests decode recordings at (opusdec --rate, the app's player), and of the standard preset. */
export const RATE = 48_000;
/** Duration tolerance of the issue: ±60 ms against the recorded span. */
export const DURATION_TOLERANCE_S = 0.06;

/** A finished recording as read back from the page. */
export interface RecordingReadback {
  readonly bytes: Buffer;
  readonly encoder: string;
  readonly recordedSamples: number;
  /** Capture and encoder rate of the recording's preset. */
  readonly sampleRate: number;
  readonly preSkip: number;
  readonly endReason: string;
  readonly segments: readonly { readonly from: number; readonly to: number }[];
  /** What the encoder was fed: the capture frames that made it into the recording. */
  readonly input: Float32Array;
  /** The waveform that travels with the message (up to 100 values 0–255). */
  readonly waveform: readonly number[];
}

function float32(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Opens the app with diagnostics and the given flags, and switches speech processing off (it erases tones). */
export async function openRecorder(page: Page, server: TestServer, flags: string): Promise<void> {
  await page.goto(`${server.url}?diagnostics&${flags}`);
  await page.getByText('Recording settings').click();
  for (const label of ['Echo cancellation', 'Noise suppression', 'Auto gain control']) {
    await page.getByLabel(label).uncheck();
  }
}

/** The recorder's timer in milliseconds. */
export async function timerMs(page: Page): Promise<number> {
  const text = (await page.getByRole('timer', { name: 'Recorded time' }).textContent()) ?? '';
  const match = /(\d+):(\d\d)\.(\d)/.exec(text);
  if (match === null) throw new Error(`unexpected timer text ${text}`);
  return (Number(match[1]) * 60 + Number(match[2])) * 1000 + Number(match[3]) * 100;
}

/** Waits until the timer shows at least `ms`. */
export async function waitRecorded(page: Page, ms: number): Promise<void> {
  await expect
    .poll(() => timerMs(page), { intervals: [50], timeout: ms + 10_000 })
    .toBeGreaterThanOrEqual(ms);
}

/** Presses stop and waits until the preview has decoded the result. */
export async function stopAndWaitForPreview(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Stop recording' }).click();
  await expect(page.getByRole('button', { name: 'Play' })).toBeEnabled();
}

/** The last recording, from the diagnostics. */
export async function readRecording(page: Page): Promise<RecordingReadback> {
  const raw = await page.evaluate(() => window.sottoAudio?.lastRecording() ?? null);
  if (raw === null) throw new Error('no recording in the diagnostics');
  if (raw.inputBase64 === null) throw new Error('the recorder did not keep its input');
  return {
    bytes: Buffer.from(raw.bytesBase64, 'base64'),
    encoder: raw.encoder,
    recordedSamples: raw.recordedSamples,
    sampleRate: raw.sampleRate,
    preSkip: raw.preSkip,
    endReason: raw.endReason,
    segments: raw.segments,
    input: float32(raw.inputBase64),
    waveform: raw.waveform,
  };
}

/** What the app's own player decoded (WebCodecs or WASM), at 48 kHz. */
export async function readAppDecoded(page: Page): Promise<{ decoder: string; samples: Float32Array }> {
  await page.waitForFunction(() => window.sottoAudio?.decoded() != null);
  const raw = await page.evaluate(() => window.sottoAudio?.decoded() ?? null);
  if (raw === null) throw new Error('the player has decoded nothing');
  expect(raw.sampleRate).toBe(RATE);
  return { decoder: raw.decoder, samples: float32(raw.samplesBase64) };
}

/** Captures `ms` of the playing preview's output: what the listener hears, and the position meanwhile. */
export async function recordPlayback(
  page: Page,
  ms: number,
): Promise<{
  samples: Float32Array;
  sampleRate: number;
  marks: readonly { sample: number; positionMs: number }[];
}> {
  const raw = await page.evaluate(async (duration) => {
    if (window.sottoAudio === undefined) throw new Error('the page was opened without ?diagnostics');
    return window.sottoAudio.recordPlayback(duration);
  }, ms);
  return { ...raw, samples: float32(raw.samplesBase64) };
}

/** Clicks "Download .opus" and returns the saved file's bytes. */
export async function download(page: Page): Promise<Buffer> {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download .opus' }).click(),
  ]);
  expect(file.suggestedFilename()).toMatch(/^sotto-.*\.opus$/);
  return readFileSync(await file.path());
}

/** Checks the file with opusinfo (no warnings or errors) and decodes it with opusdec at 48 kHz. */
export function opusToolsDecode(bytes: Buffer): Float32Array {
  const temp = makeTempDir('sotto-e2e-');
  try {
    const file = temp.path('recording.opus');
    writeFileSync(file, bytes);
    const info = runToolOk('opusinfo', [file]);
    expect(opusinfoProblems(info)).toEqual([]);
    runToolOk('opusdec', ['--quiet', '--rate', '48000', file, temp.path('decoded.wav')]);
    const decoded = readWav16Mono(temp.path('decoded.wav'));
    expect(decoded.sampleRate).toBe(RATE);
    return decoded.samples;
  } finally {
    temp.remove();
  }
}
