// The import brings `window.sottoDiagnostics` into scope.
import type {} from '../../src/web/audio/diagnostics';
import { TONE_440 } from '../fixtures/signals';
import { rmsOf, medianToneHz } from '../helpers/audio-signal';
import { expect, microphone, test } from './test';

test.use(microphone(TONE_440.file));

test('shell loads without console errors', async ({ page, server }) => {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(server.url);
  await expect(page.getByRole('heading', { name: 'Sotto' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Check microphone' })).toBeVisible();
  expect(errors).toEqual([]);
});

test('microphone check shows a live level and captures the 440 Hz tone', async ({ page, server }) => {
  await page.goto(`${server.url}?diagnostics`);
  expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);
  await page.getByRole('button', { name: 'Check microphone' }).click();

  const meter = page.getByRole('meter', { name: 'Input level' });
  await expect(meter).toHaveAttribute('data-active', 'true');
  // A −6 dBFS sine is about −9 dBFS RMS: the meter (−60…0 dB) must sit well above its middle.
  await expect.poll(async () => Number(await meter.getAttribute('aria-valuenow'))).toBeGreaterThan(70);

  // Let the fake microphone get past its silent start, then take one second of steady signal.
  await page.waitForTimeout(1500);
  const { sampleRate, samples } = await page.evaluate(() => {
    const diagnostics = window.sottoDiagnostics;
    if (diagnostics === undefined) throw new Error('diagnostics are not exposed');
    return { sampleRate: diagnostics.sampleRate, samples: diagnostics.recentSamples() };
  });
  expect(sampleRate).toBe(48_000);
  expect(samples.length).toBe(sampleRate);
  // A steady 500 ms window from the middle of the last second.
  const steady = samples.slice(sampleRate / 4, sampleRate / 4 + sampleRate / 2);
  expect(rmsOf(steady)).toBeGreaterThan(0.2);
  expect(Math.abs(medianToneHz(steady, sampleRate) - 440)).toBeLessThanOrEqual(3);
});
