import { describe, expect, it } from 'vitest';
import {
  applyGain,
  concatPcm,
  encodeWav,
  pcmDurationMs,
  trimToPlayable,
} from '../../../../src/shared/audio/pcm';
import { decodeWav16Mono } from '../../../helpers/audio-wav';

const ramp = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

describe('trimToPlayable', () => {
  it('drops the pre-skip and ends at the final granule (48 kHz units)', () => {
    const out = trimToPlayable({ sampleRate: 48_000, channels: [ramp(2000)] }, 312, 312 + 1000);
    expect(out.channels[0]?.length).toBe(1000);
    expect(out.channels[0]?.[0]).toBe(312);
  });

  it('scales 48 kHz positions to the output rate and clamps to what was decoded', () => {
    const out = trimToPlayable({ sampleRate: 16_000, channels: [ramp(500)] }, 312, 48_000);
    expect(out.channels[0]?.[0]).toBe(104);
    expect(out.channels[0]?.length).toBe(500 - 104);
  });

  it('keeps everything after the pre-skip without a granule, and never inverts the range', () => {
    expect(
      trimToPlayable({ sampleRate: 48_000, channels: [ramp(1000)] }, 312, null).channels[0]?.length,
    ).toBe(688);
    expect(trimToPlayable({ sampleRate: 48_000, channels: [ramp(1000)] }, 312, 100).channels[0]?.length).toBe(
      0,
    );
  });
});

describe('PCM helpers', () => {
  it('applies an output gain in dB', () => {
    const pcm = applyGain({ sampleRate: 48_000, channels: [Float32Array.of(0.5, -0.25)] }, -6.0206);
    expect(pcm.channels[0]?.[0]).toBeCloseTo(0.25, 4);
    expect(pcm.channels[0]?.[1]).toBeCloseTo(-0.125, 4);
  });

  it('joins planar chunks and measures them', () => {
    const pcm = concatPcm(48_000, [[ramp(480)], [ramp(960)]], 1);
    expect(pcm.channels[0]?.length).toBe(1440);
    expect(pcmDurationMs(pcm)).toBe(30);
  });

  it('writes a 16-bit WAV that reads back', () => {
    const samples = Float32Array.from({ length: 480 }, (_, i) => Math.sin(i / 10) * 0.5);
    const wav = encodeWav({ sampleRate: 48_000, channels: [samples] });
    const back = decodeWav16Mono(wav);
    expect(back.sampleRate).toBe(48_000);
    expect(back.samples.length).toBe(480);
    back.samples.forEach((s, i) => {
      expect(Math.abs(s - (samples[i] ?? 0))).toBeLessThan(1e-4);
    });
  });
});
