// The recorder's controls and edge cases: keyboard use, cancel, the maximum length, a microphone
// that goes away, and the preview player (WASM decoder, play/pause, seek, speed).
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

test('the preview decodes with the WASM decoder too, and plays, pauses, seeks and changes speed', async ({
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

  const speed = page.getByRole('group', { name: 'Playback speed' });
  await speed.getByRole('button', { name: '2×' }).click();
  await expect(speed.getByRole('button', { name: '2×' })).toHaveAttribute('aria-pressed', 'true');
  await page.getByRole('button', { name: 'Play' }).click();
  const from = await positionMs();
  const startedAt = Date.now();
  await page.waitForTimeout(600);
  const rate = ((await positionMs()) - from) / (Date.now() - startedAt);
  expect(rate).toBeGreaterThan(1.5);
  expect(rate).toBeLessThan(2.5);
});
