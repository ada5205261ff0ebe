// Pause/resume cuts out the paused stretch and nothing else: no inserted gap, no repeated or lost
// audio over 40 ms at the join. The fixture is a chirp (200 Hz + 700 Hz/s), so its frequency is a
// clock inside the signal: within each recorded stretch it must rise at 700 Hz/s of playback, and
// across the join it must jump by exactly 700 Hz/s × the paused span the capture counted.
import { CHIRP } from '../fixtures/signals';
import { alignmentLag, fitLine, frequencyTrack, quietWindows } from '../helpers/recording-analysis';
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

test.use(microphone(CHIRP.file));

/** The fixture's sweep: 200 → 3000 Hz over 4 s. */
const SWEEP_HZ_PER_S = (3000 - 200) / CHIRP.signalSeconds;
/** Largest gap or repeat the issue allows at a pause. */
const MAX_JOIN_ERROR_S = 0.04;

/** Longest run of consecutive quiet 10 ms windows, in seconds. */
function longestQuietRun(starts: readonly number[]): number {
  let longest = 0;
  let run = 0;
  for (let i = 0; i < starts.length; i++) {
    const previous = starts[i - 1];
    const current = starts[i] ?? 0;
    run = previous !== undefined && Math.abs(current - previous - 0.01) < 1e-6 ? run + 1 : 1;
    longest = Math.max(longest, run);
  }
  return longest * 0.01;
}

for (const encoder of ['webcodecs', 'wasm'] as const) {
  test(`${encoder}: pause/resume leaves no gap and no repeat at the join`, async ({ page, server }) => {
    await openRecorder(page, server, `encoder=${encoder}`);
    await page.getByRole('button', { name: 'Record' }).click();
    // ~0.8 s, a ~0.5 s pause, ~0.8 s: all well inside the 4 s chirp that starts with the microphone.
    await waitRecorded(page, 800);
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.waitForTimeout(500);
    await page.getByRole('button', { name: 'Resume' }).click();
    await waitRecorded(page, 1600);
    await stopAndWaitForPreview(page);

    const recording = await readRecording(page);
    expect(recording.encoder).toBe(encoder);
    const [first, second] = recording.segments;
    if (first === undefined || second === undefined || recording.segments.length !== 2) {
      throw new Error(`expected two recorded stretches, got ${JSON.stringify(recording.segments)}`);
    }
    const joinS = (first.to - first.from) / RATE;
    const pausedS = (second.from - first.to) / RATE;
    expect(pausedS).toBeGreaterThan(0.3);

    const byTools = opusToolsDecode(await download(page));
    const byApp = await readAppDecoded(page);
    for (const decoded of [byTools, byApp.samples]) {
      const endS = decoded.length / RATE;
      expect(Math.abs(endS - recording.recordedSamples / RATE)).toBeLessThanOrEqual(0.06);

      const before = fitLine(frequencyTrack(decoded, RATE, 0.15, joinS - 0.05));
      const after = fitLine(frequencyTrack(decoded, RATE, joinS + 0.05, endS - 0.05));
      // No stretch is sped up, slowed down or stuttering inside itself…
      for (const line of [before, after]) {
        expect(Math.abs(line.slope / SWEEP_HZ_PER_S - 1)).toBeLessThan(0.05);
      }
      // …and the jump at the join is the paused span, so nothing was inserted, repeated or lost there.
      const jumpHz = after.intercept + after.slope * joinS - (before.intercept + before.slope * joinS);
      const joinErrorS = jumpHz / SWEEP_HZ_PER_S - pausedS;
      expect(Math.abs(joinErrorS)).toBeLessThanOrEqual(MAX_JOIN_ERROR_S);
      // No silent stretch of 40 ms or more anywhere (the fake microphone's first 30 ms excepted).
      expect(longestQuietRun(quietWindows(decoded, RATE, 0.1, endS - 0.02, 0.05))).toBeLessThan(
        MAX_JOIN_ERROR_S,
      );
      // And around the join the decoded audio lines up with what the encoder was fed.
      const around = alignmentLag(recording.input, decoded, Math.round((joinS - 0.05) * RATE), RATE / 10, 48);
      expect(Math.abs(around.lag)).toBeLessThanOrEqual(24);
    }
  });
}
