// The WASM fallback encoder (opus-recorder 8) under Node, its pre-skip bug and our fix, checked
// by the reference tools: opusinfo must accept the file and opusdec must play what went in.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { decodePage } from '../../../../src/shared/media/ogg';
import {
  OPUS_ENCODER_DELAY_SAMPLES,
  OPUS_RECORDER_PRE_SKIP,
  OggOpusWriter,
  rewritePreSkip,
} from '../../../../src/shared/media/ogg-opus';
import { readOggOpus } from '../../../../src/shared/media/ogg-opus-reader';
import { encodeWithOpusRecorder } from '../../../helpers/audio-opus-recorder';
import {
  TEST_RATE_HZ,
  concatAudio,
  onsetSeconds,
  silence,
  sineTone,
  zeroCrossingHz,
} from '../../../helpers/audio-signal';
import { makeTempDir, opusinfoProblems, requireTools, runToolOk } from '../../../helpers/audio-tools';
import type { ToolResult } from '../../../helpers/audio-tools';
import { readWav16Mono } from '../../../helpers/audio-wav';
import type { MonoAudio } from '../../../helpers/audio-wav';

const SERIAL = 0x50770;
const temp = makeTempDir();

// In beforeEach, not beforeAll: a missing tool must fail every test, not skip them.
beforeEach(() => {
  requireTools('opusinfo', 'opusdec');
});

afterAll(() => {
  temp.remove();
});

/** Writes the pages to `name`, runs opusinfo (must pass cleanly) and decodes with opusdec at 48 kHz. */
function checkWithOpusTools(
  pages: readonly Uint8Array[],
  name: string,
): { info: ToolResult; decoded: MonoAudio } {
  const file = temp.path(name);
  writeFileSync(file, Buffer.concat(pages));
  const info = runToolOk('opusinfo', [file]);
  expect(opusinfoProblems(info)).toEqual([]);
  const wav = temp.path(`${name}.wav`);
  runToolOk('opusdec', ['--rate', '48000', file, wav]);
  const decoded = readWav16Mono(wav);
  expect(decoded.sampleRate).toBe(TEST_RATE_HZ);
  return { info, decoded };
}

describe('opus-recorder 8 WASM encoder under Node', () => {
  it('encodes a 3 s 440 Hz tone that, with pre-skip rewritten to 312, plays 3 s of 440 Hz', async () => {
    const input = sineTone(440, 3);
    const raw = await encodeWithOpusRecorder(input, { serial: SERIAL });

    // What opus-recorder writes: OpusHead with pre-skip 3840, granules counting 20 ms packets.
    const before = readOggOpus(raw);
    expect(before.head.preSkip).toBe(OPUS_RECORDER_PRE_SKIP);
    expect(before.packets).toHaveLength(150);
    expect(before.finalGranule).toBe(150 * 960);

    const fixed = rewritePreSkip(raw, OPUS_ENCODER_DELAY_SAMPLES);
    const stream = readOggOpus(fixed);
    expect(stream.head.preSkip).toBe(312);
    expect(stream.duration.samples).toBe(150 * 960 - 312);
    expect(stream.ended).toBe(true);

    const { info, decoded } = checkWithOpusTools(fixed, 'opus-recorder-tone.opus');
    expect(info.stdout).toMatch(/Pre-skip: 312/);
    const seconds = decoded.samples.length / TEST_RATE_HZ;
    expect(Math.abs(seconds - 3)).toBeLessThanOrEqual(0.02);
    const hz = zeroCrossingHz(decoded.samples, TEST_RATE_HZ, 0.5 * TEST_RATE_HZ, 2.5 * TEST_RATE_HZ);
    expect(Math.abs(hz - 440)).toBeLessThanOrEqual(3);
  });

  it('loses ~73 ms of onset with its own pre-skip and keeps it once rewritten', async () => {
    const onset = 0.1;
    const input = concatAudio(silence(onset), sineTone(440, 1), silence(0.2));
    const raw = await encodeWithOpusRecorder(input, { serial: SERIAL });

    const broken = checkWithOpusTools(raw, 'onset-3840.opus').decoded;
    const fixed = checkWithOpusTools(
      rewritePreSkip(raw, OPUS_ENCODER_DELAY_SAMPLES),
      'onset-312.opus',
    ).decoded;

    const lostMs = (onset - onsetSeconds(broken.samples, TEST_RATE_HZ)) * 1000;
    expect(lostMs).toBeGreaterThan(65);
    expect(lostMs).toBeLessThan(80);
    expect(Math.abs(onsetSeconds(fixed.samples, TEST_RATE_HZ) - onset)).toBeLessThanOrEqual(0.003);
  });

  it('re-muxes through OggOpusWriter with end trimming to exactly the input length', async () => {
    // One extra 20 ms of zeros gives the encoder's 312-sample delay room to flush the real end.
    const input = concatAudio(sineTone(440, 3), silence(0.02));
    const packets = readOggOpus(await encodeWithOpusRecorder(input, { serial: SERIAL })).packets;

    const writer = new OggOpusWriter({ serial: SERIAL, preSkip: OPUS_ENCODER_DELAY_SAMPLES });
    const pages: Uint8Array[] = [];
    for (const packet of packets) pages.push(...writer.writePacket(packet.data, packet.samples));
    pages.push(...writer.finish({ totalSamples: 3 * TEST_RATE_HZ }));

    const audioPages = pages.slice(2).map((page) => decodePage(page).page);
    expect(audioPages.map((page) => page.segments.length)).toEqual([50, 50, 50, 1]);
    expect(audioPages.at(-1)).toMatchObject({ eos: true, granulePosition: BigInt(312 + 3 * TEST_RATE_HZ) });
    expect(readOggOpus(pages).duration).toEqual({ samples: 3 * TEST_RATE_HZ, ms: 3000 });

    const { decoded } = checkWithOpusTools(pages, 'remuxed.opus');
    expect(decoded.samples.length).toBe(3 * TEST_RATE_HZ);
    const hz = zeroCrossingHz(decoded.samples, TEST_RATE_HZ, 0.5 * TEST_RATE_HZ, 2.5 * TEST_RATE_HZ);
    expect(Math.abs(hz - 440)).toBeLessThanOrEqual(3);
  });
});
