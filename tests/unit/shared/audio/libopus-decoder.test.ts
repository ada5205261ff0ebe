// The WASM libopus decoder under Node, on files made by the reference encoder (opusenc): the
// decoded audio has the source's length, pitch and onset, so pre-skip and end trim are right.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../../../src/shared/audio/pcm';
import { decodeOggOpusFile } from '../../../../src/shared/audio/libopus-decoder';
import { loadOpusDecoderModule } from '../../../../src/node/audio/opus-wasm';
import { MediaFormatError } from '../../../../src/shared/media/errors';
import { waveformOfSamples } from '../../../../src/shared/media/waveform';
import {
  TEST_RATE_HZ,
  concatAudio,
  medianToneHz,
  onsetSeconds,
  silence,
  sineTone,
} from '../../../helpers/audio-signal';
import { makeTempDir, requireTools, runToolOk } from '../../../helpers/audio-tools';
import { writeWav16Mono } from '../../../helpers/audio-wav';

const temp = makeTempDir();
afterAll(() => {
  temp.remove();
});

/** Encodes a WAV file with opusenc and returns the .opus file. */
function opusencFile(name: string, wav: string, args: readonly string[] = []): Uint8Array {
  requireTools('opusenc');
  const opus = temp.path(`${name}.opus`);
  runToolOk('opusenc', ['--quiet', ...args, wav, opus]);
  return new Uint8Array(readFileSync(opus));
}

/** Encodes `samples` (48 kHz mono) with opusenc. */
function opusenc(name: string, samples: Float32Array): Uint8Array {
  const wav = temp.path(`${name}.wav`);
  writeWav16Mono(wav, { sampleRate: TEST_RATE_HZ, samples });
  return opusencFile(name, wav);
}

describe('decodeOggOpusFile', () => {
  it('gives back exactly the source length, its pitch and its onset', async () => {
    const onset = 0.437;
    const source = concatAudio(silence(onset), sineTone(440, 1.5), silence(0.3));
    const pcm = decodeOggOpusFile(await loadOpusDecoderModule(), opusenc('burst', source));
    const [mono] = pcm.channels;
    expect(pcm.sampleRate).toBe(48_000);
    expect(pcm.channels).toHaveLength(1);
    expect(mono?.length).toBe(source.length);
    const samples = mono ?? new Float32Array(0);
    expect(onsetSeconds(samples, 48_000)).toBeCloseTo(onset, 2); // within 5 ms
    const from = Math.round((onset + 0.2) * 48_000);
    expect(medianToneHz(samples, 48_000, from, from + 48_000)).toBeCloseTo(440, 0);
  });

  it('decodes stereo files into two channels', async () => {
    const left = sineTone(440, 0.6);
    const right = sineTone(1000, 0.6);
    const wav = temp.path('stereo.wav');
    writeFileSync(wav, encodeWav({ sampleRate: TEST_RATE_HZ, channels: [left, right] }));
    const pcm = decodeOggOpusFile(
      await loadOpusDecoderModule(),
      opusencFile('stereo', wav, ['--bitrate', '96']),
    );
    expect(pcm.channels).toHaveLength(2);
    expect(pcm.channels[0]?.length).toBe(left.length);
    expect(medianToneHz(pcm.channels[0] ?? [], 48_000, 4800, 24_000)).toBeCloseTo(440, 0);
    expect(medianToneHz(pcm.channels[1] ?? [], 48_000, 4800, 24_000)).toBeCloseTo(1000, 0);
  });

  it('draws the waveform of a decoded file: loud where the tone is, floor where it is silent', async () => {
    const source = concatAudio(silence(1), sineTone(440, 1, 0.5), silence(1));
    const pcm = decodeOggOpusFile(await loadOpusDecoderModule(), opusenc('wave', source));
    const waveform = waveformOfSamples(pcm.channels[0] ?? new Float32Array(0), 960);
    expect(waveform).toHaveLength(100);
    // 0.5 amplitude sine: RMS 0.354 = −9 dBFS → (60 − 9) / 60 × 255 ≈ 217.
    expect(Math.min(...waveform.slice(38, 62))).toBeGreaterThan(200);
    expect(Math.max(...waveform.slice(0, 30), ...waveform.slice(70))).toBeLessThan(40);
  });

  it('refuses what is not Ogg Opus with the reader’s error', async () => {
    const module = await loadOpusDecoderModule();
    expect(() => decodeOggOpusFile(module, new TextEncoder().encode('RIFF....WAVE'))).toThrow(
      MediaFormatError,
    );
  });
});
