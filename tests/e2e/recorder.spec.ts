// Record the 440 Hz fixture through each encoder path, download the file, and check it the way a
// listener would: it opens in the reference tools, sounds like 440 Hz, and lasts as long as recorded.
import { TONE_440 } from '../fixtures/signals';
import { medianToneHz } from '../helpers/audio-signal';
import { alignmentLag } from '../helpers/recording-analysis';
import {
  DURATION_TOLERANCE_S,
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

for (const encoder of ['webcodecs', 'wasm'] as const) {
  test(`${encoder}: a 3 s recording of 440 Hz plays back as 440 Hz for as long as was recorded`, async ({
    page,
    server,
  }) => {
    await openRecorder(page, server, `encoder=${encoder}`);
    await page.getByRole('button', { name: 'Record' }).click();
    await expect(page.locator('sotto-recorder [data-encoder]')).toHaveAttribute('data-encoder', encoder);
    await waitRecorded(page, 3000);
    await stopAndWaitForPreview(page);

    const recording = await readRecording(page);
    expect(recording.encoder).toBe(encoder);
    expect(recording.preSkip).toBe(312);
    expect(recording.endReason).toBe('stopped');
    const spanS = recording.recordedSamples / RATE;
    expect(spanS).toBeGreaterThanOrEqual(3);
    expect(spanS).toBeLessThan(4);
    expect(recording.input.length).toBe(recording.recordedSamples);

    const file = await download(page);
    expect(file.equals(recording.bytes)).toBe(true);
    const byTools = opusToolsDecode(file);
    const byApp = await readAppDecoded(page);
    expect(byApp.decoder).toBe('webcodecs');

    for (const decoded of [byTools, byApp.samples]) {
      expect(Math.abs(decoded.length / RATE - spanS)).toBeLessThanOrEqual(DURATION_TOLERANCE_S);
      // A steady stretch away from the fake microphone's silent start and the end.
      const hz = medianToneHz(decoded, RATE, 0.5 * RATE, decoded.length - 0.2 * RATE);
      expect(Math.abs(hz - 440)).toBeLessThanOrEqual(3);
      // Aligned with what the encoder was fed (within 0.5 ms: SILK does not keep a tone's exact phase).
      const { lag, correlation } = alignmentLag(recording.input, decoded, RATE, RATE / 2, 48);
      expect(correlation).toBeGreaterThan(0.99);
      expect(Math.abs(lag)).toBeLessThanOrEqual(24);
    }
  });
}
