// The first syllable survives: a tone that starts mid-recording starts at the same moment in the
// decoded file as in the capture the app recorded. The reference is the encoder's own input (the
// capture frames, as diagnostics report them), because when the fake microphone's file started
// relative to the first captured frame is not something the page can know to the millisecond.
import { BURST_440 } from '../fixtures/signals';
import { onsetSeconds } from '../helpers/audio-signal';
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

test.use(microphone(BURST_440.file));

/** Onset tolerance of the issue. */
const ONSET_TOLERANCE_S = 0.015;
/** The fake microphone delivers ~30 ms of zeros before the file, so the capture may hear the burst that much late. */
const FAKE_MIC_LEAD_IN_S = 0.04;

for (const encoder of ['webcodecs', 'wasm'] as const) {
  test(`${encoder}: the burst's onset is where the capture heard it (±15 ms)`, async ({ page, server }) => {
    await openRecorder(page, server, `encoder=${encoder}`);
    await page.getByRole('button', { name: 'Record' }).click();
    // The burst starts 1.25 s into the file, which starts playing when the microphone opens.
    await waitRecorded(page, 2000);
    await stopAndWaitForPreview(page);

    const recording = await readRecording(page);
    expect(recording.encoder).toBe(encoder);
    const captured = onsetSeconds(recording.input, RATE);
    // The capture starts a little after the file does, so the onset is usually a little before
    // 1.25 s; the fake microphone's leading zeros can push it up to ~30 ms later.
    expect(captured).toBeGreaterThan(0.5);
    expect(captured).toBeLessThanOrEqual(BURST_440.onsetSeconds + FAKE_MIC_LEAD_IN_S);

    const byTools = opusToolsDecode(await download(page));
    const byApp = await readAppDecoded(page);
    for (const decoded of [byTools, byApp.samples]) {
      expect(Math.abs(onsetSeconds(decoded, RATE) - captured)).toBeLessThanOrEqual(ONSET_TOLERANCE_S);
    }
  });
}
