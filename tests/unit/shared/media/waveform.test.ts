import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  WAVEFORM_MAX_VALUES,
  WaveformBuilder,
  levelToWaveformValue,
} from '../../../../src/shared/media/waveform';
import { concatAudio, frameLevels, silence, sineTone } from '../../../helpers/audio-signal';

function build(levels: readonly number[]): Uint8Array {
  const builder = new WaveformBuilder();
  for (const level of levels) builder.push(level);
  return builder.snapshot();
}

const level = fc.double({ min: 0, max: 1, noNaN: true });
/** Up to 2 000 frames: 40 s of 20 ms frames, enough to force several merges of the 400 buckets. */
const levels = fc.array(level, { maxLength: 2000 });

describe('levelToWaveformValue', () => {
  it('maps dB above −60 dBFS linearly onto 0..255', () => {
    expect(levelToWaveformValue(1)).toBe(255);
    expect(levelToWaveformValue(10 ** (-30 / 20))).toBe(128); // 127.5 rounds up
    expect(levelToWaveformValue(10 ** (-54 / 20))).toBe(26); // 25.5 rounds up
    expect(levelToWaveformValue(0.001)).toBe(0);
    expect(levelToWaveformValue(0.0001)).toBe(0);
    expect(levelToWaveformValue(0)).toBe(0);
    expect(levelToWaveformValue(Number.NaN)).toBe(0);
    expect(levelToWaveformValue(4)).toBe(255);
  });
});

describe('WaveformBuilder', () => {
  it('starts empty', () => {
    expect(new WaveformBuilder().snapshot()).toEqual(new Uint8Array(0));
  });

  it('gives one value per frame up to 100 frames', () => {
    const input = Array.from({ length: 100 }, (_, i) => (i + 1) / 100);
    expect(Array.from(build(input))).toEqual(input.map(levelToWaveformValue));
  });

  it('has min(frames, 100) values in 0..255 (property)', () => {
    fc.assert(
      fc.property(levels, (input) => {
        const out = build(input);
        expect(out.length).toBe(Math.min(input.length, WAVEFORM_MAX_VALUES));
        for (const value of out) {
          expect(Number.isInteger(value) && value >= 0 && value <= 255).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('turns constant input into constant output (property)', () => {
    fc.assert(
      fc.property(level, fc.integer({ min: 1, max: 5000 }), (value, frames) => {
        const out = build(Array.from({ length: frames }, () => value));
        expect(new Set(out)).toEqual(new Set([levelToWaveformValue(value)]));
      }),
      { numRuns: 200 },
    );
  });

  it('never goes down when every frame gets louder (property)', () => {
    fc.assert(
      fc.property(levels, fc.double({ min: 1, max: 100, noNaN: true }), (input, gain) => {
        const quiet = build(input);
        const loud = build(input.map((value) => Math.min(1, value * gain)));
        quiet.forEach((value, i) => {
          expect(loud[i]).toBeGreaterThanOrEqual(value);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('is strictly higher for a louder constant signal above the floor', () => {
    expect(build(new Array<number>(777).fill(0.1))[0]).toBeGreaterThan(
      build(new Array<number>(777).fill(0.05))[0] ?? 0,
    );
  });

  it('keeps loud and quiet halves apart after many merges', () => {
    const out = build([...new Array<number>(4000).fill(0.001), ...new Array<number>(4000).fill(1)]);
    expect(out.length).toBe(100);
    expect(Array.from(out.subarray(0, 50))).toEqual(new Array<number>(50).fill(0));
    expect(Array.from(out.subarray(50))).toEqual(new Array<number>(50).fill(255));
  });

  it('averages energy (RMS), not peaks, inside a value', () => {
    // Alternating silence and level x over 1 000 frames: each value spans both, RMS = x / √2.
    const input = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? 0 : 0.5));
    const expected = levelToWaveformValue(0.5 / Math.SQRT2);
    for (const value of build(input)) expect(Math.abs(value - expected)).toBeLessThanOrEqual(1);
  });

  it('offers a live snapshot equal to a builder fed the same prefix', () => {
    const input = Array.from({ length: 1500 }, (_, i) => Math.abs(Math.sin(i / 37)));
    const builder = new WaveformBuilder();
    input.forEach((value, i) => {
      builder.push(value);
      if ((i + 1) % 499 === 0) expect(builder.snapshot()).toEqual(build(input.slice(0, i + 1)));
    });
    expect(builder.frameCount).toBe(1500);
  });

  it('clamps levels outside 0..1 and treats NaN as silence', () => {
    expect(Array.from(build([-1, Number.NaN, 2, Number.POSITIVE_INFINITY]))).toEqual([0, 0, 255, 255]);
  });

  it('shows a spoken burst where it happened in a real signal', () => {
    // 1 s silence, 2 s of tone at −6 dBFS, 1 s silence: 200 frames of 20 ms.
    const audio = concatAudio(silence(1), sineTone(440, 2), silence(1));
    const out = build(frameLevels(audio));
    expect(out.length).toBe(100);
    const toneValue = levelToWaveformValue(0.5 / Math.SQRT2); // a sine's RMS is peak / √2
    expect(Array.from(out.subarray(0, 25))).toEqual(new Array<number>(25).fill(0));
    for (const value of out.subarray(26, 74)) expect(Math.abs(value - toneValue)).toBeLessThanOrEqual(1);
    expect(Array.from(out.subarray(75))).toEqual(new Array<number>(25).fill(0));
  });

  it('handles 30 minutes of frames quickly in constant space', () => {
    const builder = new WaveformBuilder();
    const started = performance.now();
    for (let i = 0; i < 90_000; i++) builder.push(i % 100 === 0 ? 0.5 : 0.01);
    expect(builder.snapshot().length).toBe(100);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
