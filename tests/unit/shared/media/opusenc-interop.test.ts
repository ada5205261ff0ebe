// Our Ogg layer against libogg's output: a real .opus file made by opusenc from a generated tone.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  OggPacketReader,
  OggWriter,
  encodePage,
  oggCrc32,
  readOggPages,
} from '../../../../src/shared/media/ogg';
import type { OggPage } from '../../../../src/shared/media/ogg';
import { readOggOpus } from '../../../../src/shared/media/ogg-opus-reader';
import { makeTempDir, requireTools, runToolOk } from '../../../helpers/audio-tools';
import { sineTone, TEST_RATE_HZ } from '../../../helpers/audio-signal';
import { writeWav16Mono } from '../../../helpers/audio-wav';

interface Fixture {
  readonly file: Uint8Array;
  readonly pages: readonly OggPage[];
}

const temp = makeTempDir();
let fixture: Fixture | undefined;

/** Makes the file on first use; each test calls it, so a missing tool fails every test instead of skipping. */
function opusencFile(): Fixture {
  if (fixture !== undefined) return fixture;
  requireTools('opusenc');
  const wav = temp.path('x.wav');
  const opus = temp.path('x.opus');
  writeWav16Mono(wav, { sampleRate: TEST_RATE_HZ, samples: sineTone(440, 1) });
  runToolOk('opusenc', ['--quiet', '--serial', '1234567', wav, opus]);
  const file = new Uint8Array(readFileSync(opus)); // a plain copy: Buffer.slice() would alias it
  fixture = { file, pages: readOggPages(file) }; // readOggPages verifies every page's CRC
  return fixture;
}

afterAll(() => {
  temp.remove();
});

describe('a file written by opusenc (libogg)', () => {
  it('has pages whose stored CRC is our CRC of the page with the CRC field zeroed', () => {
    const { file, pages } = opusencFile();
    expect(pages.length).toBeGreaterThanOrEqual(3);
    let offset = 0;
    for (const page of pages) {
      const length = 27 + page.segments.length + page.body.length;
      const bytes = file.slice(offset, offset + length);
      const stored = new DataView(bytes.buffer, bytes.byteOffset).getUint32(22, true);
      bytes.fill(0, 22, 26);
      expect(oggCrc32(bytes)).toBe(stored);
      offset += length;
    }
    expect(offset).toBe(file.length);
  });

  it('re-serialises page by page to the same bytes', () => {
    const { file, pages } = opusencFile();
    expect(Buffer.concat(pages.map(encodePage)).equals(file)).toBe(true);
  });

  it('re-muxes packet by packet through OggWriter to the same bytes', () => {
    const { file, pages } = opusencFile();
    // opusenc flushes pages by time, so repeat its page boundaries with flushPage()/finish().
    expect(pages.some((page) => page.continued)).toBe(false);
    const reader = new OggPacketReader();
    const writer = new OggWriter({ serial: 1234567 });
    const out: Uint8Array[] = [];
    pages.forEach((page, i) => {
      const packets = reader.pushPage(page);
      for (const packet of packets) out.push(...writer.writePacket(packet.data, page.granulePosition));
      if (i === pages.length - 1) out.push(...writer.finish());
      else out.push(writer.flushPage() ?? new Uint8Array(0));
    });
    expect(Buffer.concat(out).equals(file)).toBe(true);
  });

  it('reads as Ogg Opus with pre-skip 312, end-trimmed to exactly 1 s', () => {
    const { file, pages } = opusencFile();
    const stream = readOggOpus(file);
    expect(stream.serial).toBe(1234567);
    expect(stream.head).toMatchObject({ version: 1, channelCount: 1, preSkip: 312, inputSampleRate: 48_000 });
    expect(stream.tags.vendor).toMatch(/^libopus/);
    expect(stream.tags.comments).toContainEqual(expect.stringMatching(/^ENCODER=opusenc/));
    expect(stream.finalGranule).toBe(48_000 + 312);
    expect(stream.duration).toEqual({ samples: 48_000, ms: 1000 });
    expect(stream.ended).toBe(true);
    // Granule positions count decoder output including the pre-skip (RFC 7845 §4): 50 × 20 ms on page 2.
    expect(pages[2]?.granulePosition).toBe(48_000n);
    const total = stream.packets.reduce((sum, p) => sum + p.samples, 0);
    expect(total).toBeGreaterThanOrEqual(48_000 + 312);
  });
});
