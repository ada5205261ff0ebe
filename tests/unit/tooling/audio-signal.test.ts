// The measuring tools the audio tests rely on must themselves measure right.
import { describe, expect, it } from 'vitest';
import { medianToneHz, sineTone, zeroCrossingHz } from '../../helpers/audio-signal';

describe('tone frequency estimates', () => {
  const rate = 48_000;

  it('measure a clean tone to a fraction of a hertz', () => {
    const tone = sineTone(440, 1, 0.5, rate);
    expect(Math.abs(zeroCrossingHz(tone, rate) - 440)).toBeLessThan(0.05);
    expect(Math.abs(medianToneHz(tone, rate) - 440)).toBeLessThan(0.05);
  });

  it('the median survives a 10 ms glitch that throws the plain count off', () => {
    const tone = sineTone(440, 0.5, 0.5, rate);
    // A burst of a 3 kHz tone where 10 ms of the capture went wrong.
    const glitch = sineTone(3000, 0.01, 0.5, rate);
    tone.set(glitch, rate / 4);
    expect(Math.abs(zeroCrossingHz(tone, rate) - 440)).toBeGreaterThan(3);
    expect(Math.abs(medianToneHz(tone, rate) - 440)).toBeLessThan(0.5);
  });

  it('still reports a wrong tone as wrong', () => {
    expect(Math.abs(medianToneHz(sineTone(452, 0.5, 0.5, rate), rate) - 440)).toBeGreaterThan(10);
  });
});
