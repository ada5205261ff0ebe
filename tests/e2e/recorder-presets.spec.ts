// The other two presets in a real browser: data saver (a 16 kHz context and encoder, where
// WebCodecs reports pre-skip in 16 kHz units) and high quality (64 kbit/s, AUDIO application).
// Each must give a file the reference tools accept, at 440 Hz, as long as was recorded, with a
// waveform that follows the tone.
import { TONE_440 } from '../fixtures/signals';
import { PRESETS, type PresetId } from '../../src/shared/audio/presets';
import { medianToneHz } from '../helpers/audio-signal';
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

/** libopus look-ahead (6.5 ms) in 48 kHz samples, whatever the encoder's rate (RFC 7845 §4.2). */
const PRE_SKIP_48K = 312;

const cases: [PresetId, 'webcodecs' | 'wasm'][] = [
  ['data-saver', 'webcodecs'],
  ['data-saver', 'wasm'],
  ['high', 'webcodecs'],
  ['high', 'wasm'],
];

for (const [presetId, encoder] of cases) {
  const preset = PRESETS[presetId];
  test(`${presetId}, ${encoder}: a 2 s tone comes back at 440 Hz, its length and its level`, async ({
    page,
    server,
  }) => {
    await openRecorder(page, server, `encoder=${encoder}`);
    await page.getByLabel('Quality').selectOption(presetId);
    await page.getByRole('button', { name: 'Record' }).click();
    await waitRecorded(page, 2000);
    await stopAndWaitForPreview(page);

    const recording = await readRecording(page);
    expect(recording.encoder).toBe(encoder);
    expect(recording.sampleRate).toBe(preset.sampleRate);
    expect(recording.preSkip).toBe(PRE_SKIP_48K);
    const spanS = recording.recordedSamples / preset.sampleRate;
    expect(spanS).toBeGreaterThanOrEqual(2);

    const byTools = opusToolsDecode(await download(page));
    const byApp = await readAppDecoded(page);
    for (const decoded of [byTools, byApp.samples]) {
      expect(Math.abs(decoded.length / RATE - spanS)).toBeLessThanOrEqual(DURATION_TOLERANCE_S);
      const hz = medianToneHz(decoded, RATE, 0.5 * RATE, decoded.length - 0.2 * RATE);
      expect(Math.abs(hz - 440)).toBeLessThanOrEqual(3);
    }

    // A steady tone well above the −60 dB floor: after the fake mic's silent start, the waveform is
    // high and flat.
    const { waveform } = recording;
    expect(waveform.length).toBeGreaterThan(10);
    expect(waveform.length).toBeLessThanOrEqual(100);
    const steady = waveform.slice(Math.ceil(waveform.length / 4));
    expect(Math.min(...steady)).toBeGreaterThan(150);
    expect(Math.max(...steady) - Math.min(...steady)).toBeLessThan(30);
  });
}
