// The recorder's controls and edge cases: keyboard use, cancel, the maximum length, a microphone
// that goes away, and the preview player (WASM decoder, play/pause, seek, speed and pitch).
import { TONE_440 } from '../fixtures/signals';
import { medianToneHz } from '../helpers/audio-signal';
import { alignmentLag } from '../helpers/recording-analysis';
import {
  RATE,
  download,
  openRecorder,
  opusToolsDecode,
  readAppDecoded,
  readRecording,
  recordPlayback,
  stopAndWaitForPreview,
  waitRecorded,
} from './recorder-helpers';
import { expect, microphone, test } from './test';

test.use(microphone(TONE_440.file));

test('the record button works from the keyboard, and cancel keeps nothing', async ({ page, server }) => {
  await openRecorder(page, server, 'encoder=auto');
  const record = page.getByRole('button', { name: 'Record' });
  await record.focus();
  await page.keyboard.press('Enter');
  await waitRecorded(page, 300);
  await page.getByRole('button', { name: 'Cancel' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Record' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Preview' })).toHaveCount(0);

  await page.getByRole('button', { name: 'Record' }).focus();
  await page.keyboard.press('Space');
  const stop = page.getByRole('button', { name: 'Stop recording' });
  await expect(stop).toBeFocused();
  await expect(stop).toHaveAttribute('aria-pressed', 'true');
  await waitRecorded(page, 500);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Play' })).toBeEnabled();
  expect((await readRecording(page)).endReason).toBe('stopped');
});

test('a recording stops by itself at the maximum length, after a warning', async ({ page, server }) => {
  await openRecorder(page, server, 'maxDuration=2');
  await page.getByRole('button', { name: 'Record' }).click();
  // With a 2 s maximum the 10 s warning is due at once.
  await expect(page.getByRole('alert')).toContainText('seconds left');
  await expect(page.getByRole('status')).toContainText('Maximum length reached', { timeout: 10_000 });
  await expect(page.getByRole('button', { name: 'Play' })).toBeEnabled();
  for (let take = 1; take <= 2; take++) {
    const recording = await readRecording(page);
    expect(recording.endReason).toBe('limit');
    expect(recording.recordedSamples).toBe(2 * RATE);
    expect(opusToolsDecode(recording.bytes).length).toBe(2 * RATE);
    if (take === 2) break;
    // A second take runs on the reused encoder worker and starts from zero again.
    const first = recording.bytes;
    await page.getByRole('button', { name: 'Record' }).click();
    await expect(page.getByRole('button', { name: 'Stop recording' })).toBeVisible();
    await expect(page.getByRole('status')).toContainText('Maximum length reached', { timeout: 10_000 });
    await expect(page.getByRole('button', { name: 'Play' })).toBeEnabled();
    expect((await readRecording(page)).bytes.equals(first)).toBe(false);
  }
});

test('an unplugged microphone ends the recording and keeps what was captured', async ({ page, server }) => {
  await openRecorder(page, server, 'encoder=auto');
  await page.getByRole('button', { name: 'Record' }).click();
  await waitRecorded(page, 1000);
  expect(await page.evaluate(() => window.sottoAudio?.endMicrophone())).toBe(true);
  await expect(page.getByRole('status')).toContainText('microphone was disconnected');
  await expect(page.getByRole('button', { name: 'Play' })).toBeEnabled();
  const recording = await readRecording(page);
  expect(recording.endReason).toBe('device-lost');
  expect(recording.recordedSamples / RATE).toBeGreaterThanOrEqual(1);
  const decoded = opusToolsDecode(recording.bytes);
  expect(Math.abs(decoded.length - recording.recordedSamples) / RATE).toBeLessThanOrEqual(0.06);
});

test('the preview decodes with the WASM decoder too, and plays, pauses and seeks', async ({
  page,
  server,
}) => {
  await openRecorder(page, server, 'decoder=wasm');
  await page.getByRole('button', { name: 'Record' }).click();
  await waitRecorded(page, 2500);
  await stopAndWaitForPreview(page);

  const recording = await readRecording(page);
  const byTools = opusToolsDecode(await download(page));
  const byApp = await readAppDecoded(page);
  expect(byApp.decoder).toBe('wasm');
  expect(Math.abs(byApp.samples.length - recording.recordedSamples) / RATE).toBeLessThanOrEqual(0.06);
  expect(
    Math.abs(medianToneHz(byApp.samples, RATE, RATE / 2, byApp.samples.length - RATE / 5) - 440),
  ).toBeLessThanOrEqual(3);
  const { lag, correlation } = alignmentLag(byTools, byApp.samples, RATE, RATE / 2, 48);
  expect(correlation).toBeGreaterThan(0.99);
  expect(Math.abs(lag)).toBeLessThanOrEqual(2);

  const position = page.getByRole('slider', { name: 'Playback position' });
  const positionMs = async () => Number(await position.inputValue());
  const play = page.getByRole('button', { name: 'Play' });
  await play.click();
  await expect(page.getByRole('button', { name: 'Pause' })).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(positionMs).toBeGreaterThan(200);
  await page.getByRole('button', { name: 'Pause' }).click();
  const paused = await positionMs();
  await page.waitForTimeout(300);
  expect(await positionMs()).toBe(paused);

  await position.fill('500');
  await expect.poll(positionMs).toBe(500);
});

/** Least-squares slope of y over x. */
function slope(x: readonly number[], y: readonly number[]): number {
  const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(x);
  const my = mean(y);
  let num = 0;
  let den = 0;
  x.forEach((xi, i) => {
    num += (xi - mx) * ((y[i] ?? my) - my);
    den += (xi - mx) ** 2;
  });
  return num / den;
}

test('the preview plays at every speed (0.5× to 2×) and keeps the pitch', async ({ page, server }) => {
  await openRecorder(page, server, 'encoder=auto');
  await page.getByRole('button', { name: 'Record' }).click();
  await waitRecorded(page, 3500);
  await stopAndWaitForPreview(page);

  const speeds = page.getByRole('group', { name: 'Playback speed' });
  for (const speed of [0.5, 1, 1.5, 2]) {
    const button = speeds.getByRole('button', { name: `${speed}×` });
    await button.click();
    await expect(button).toHaveAttribute('aria-pressed', 'true');
    await page.getByRole('slider', { name: 'Playback position' }).fill('500');
    await page.getByRole('button', { name: 'Play' }).click();
    // What the listener hears, captured from the player's output, timed by the media clock.
    const heard = await recordPlayback(page, 700);
    await page.getByRole('button', { name: 'Pause' }).click();
    const { samples } = heard;
    // How fast the position moves per second heard: the least-squares slope after the first 100 ms.
    const marks = heard.marks.filter((mark) => mark.sample >= heard.sampleRate / 10);
    const rate = slope(
      marks.map((mark) => mark.sample / heard.sampleRate),
      marks.map((mark) => mark.positionMs / 1000),
    );
    expect(rate, `position advanced at ${rate.toFixed(2)}× while playing at ${speed}×`).toBeGreaterThan(
      speed * 0.9,
    );
    expect(rate).toBeLessThan(speed * 1.1);
    // Skip the capture's first 100 ms (the stream starting up); without pitch correction 2× is 880 Hz.
    const hz = medianToneHz(samples, heard.sampleRate, heard.sampleRate / 10);
    expect(Math.abs(hz - 440), `heard ${hz.toFixed(1)} Hz at ${speed}×`).toBeLessThanOrEqual(5);
  }
});
