import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { durationFromGranule, samplesToMs } from '../../../../src/shared/media/duration';
import { InvalidStateError, MediaFormatError } from '../../../../src/shared/media/errors';
import type { MediaFormatErrorCode } from '../../../../src/shared/media/errors';
import {
  NO_GRANULE,
  OggWriter,
  decodePage,
  encodePage,
  readOggPages,
} from '../../../../src/shared/media/ogg';
import type { OggPage } from '../../../../src/shared/media/ogg';
import {
  OPUS_ENCODER_DELAY_SAMPLES,
  OPUS_RECORDER_PRE_SKIP,
  OggOpusWriter,
  rewritePreSkip,
} from '../../../../src/shared/media/ogg-opus';
import { OggOpusReader, readOggOpus } from '../../../../src/shared/media/ogg-opus-reader';
import {
  encodeOpusHead,
  encodeOpusTags,
  parseOpusHead,
  parseOpusTags,
} from '../../../../src/shared/media/opus-head';

const SERIAL = 0x0dd_ba11;
const FRAME = 960; // 20 ms at 48 kHz

/** A fake 20 ms CELT packet (TOC 0xF8: config 31, one frame) with `size` bytes in all. */
function packet(index: number, size = 60): Uint8Array {
  const out = new Uint8Array(size);
  out[0] = 0xf8;
  for (let i = 1; i < size; i++) out[i] = (index + i) & 0xff;
  return out;
}

function writeAll(writer: OggOpusWriter, count: number, totalSamples?: number): Uint8Array[] {
  const pages: Uint8Array[] = [];
  for (let i = 0; i < count; i++) pages.push(...writer.writePacket(packet(i)));
  pages.push(...writer.finish(totalSamples === undefined ? {} : { totalSamples }));
  return pages;
}

const decoded = (pages: readonly Uint8Array[]): OggPage[] => pages.map((bytes) => decodePage(bytes).page);

function expectFormatError(run: () => unknown, code: MediaFormatErrorCode, message: RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(MediaFormatError);
  expect(caught).toMatchObject({ code });
  expect((caught as Error).message).toMatch(message);
}

describe('OggOpusWriter', () => {
  it('lays out an RFC 7845 stream: OpusHead alone, OpusTags alone, ~1 s audio pages, EOS last', () => {
    const pages = decoded(writeAll(new OggOpusWriter({ serial: SERIAL }), 150));
    const [head, tags, ...audio] = pages;
    expect(head).toMatchObject({ bos: true, eos: false, sequence: 0, granulePosition: 0n, serial: SERIAL });
    expect(head?.segments).toEqual(Uint8Array.of(19));
    expect(parseOpusHead(head?.body ?? new Uint8Array(0))).toMatchObject({ preSkip: 312, channelCount: 1 });
    expect(tags).toMatchObject({ bos: false, sequence: 1, granulePosition: 0n });
    expect(parseOpusTags(tags?.body ?? new Uint8Array(0))).toEqual({ vendor: 'Sotto', comments: [] });
    // 150 packets of 20 ms: pages of 50 packets (1 s), each granule = total decoded samples so far.
    expect(audio.map((p) => [p.segments.length, p.granulePosition, p.eos])).toEqual([
      [50, 48_000n, false],
      [50, 96_000n, false],
      [50, 144_000n, true],
    ]);
    expect(pages.filter((p) => p.eos)).toHaveLength(1);
  });

  it('honours the page length option', () => {
    const pages = decoded(writeAll(new OggOpusWriter({ serial: SERIAL, pageSamples: 10 * FRAME }), 25));
    expect(pages.slice(2).map((p) => p.segments.length)).toEqual([10, 10, 5]);
  });

  it('end-trims the last page to pre-skip + the real input length', () => {
    const pages = decoded(writeAll(new OggOpusWriter({ serial: SERIAL }), 151, 144_000));
    expect(pages.at(-1)?.granulePosition).toBe(BigInt(312 + 144_000));
    expect(readOggOpus(writeAll(new OggOpusWriter({ serial: SERIAL }), 151, 144_000)).duration.samples).toBe(
      144_000,
    );
  });

  it('never trims below the previous page nor extends past the packets', () => {
    const short = decoded(writeAll(new OggOpusWriter({ serial: SERIAL }), 60, 100));
    expect(short.at(-2)?.granulePosition).toBe(48_000n);
    expect(short.at(-1)?.granulePosition).toBe(48_000n);
    const long = decoded(writeAll(new OggOpusWriter({ serial: SERIAL }), 60, 10 ** 9));
    expect(long.at(-1)?.granulePosition).toBe(BigInt(60 * FRAME));
  });

  it('flushPage() closes the current page but keeps the newest packet for the EOS page', () => {
    const writer = new OggOpusWriter({ serial: SERIAL });
    const first = writer.writePacket(packet(0));
    expect(first).toHaveLength(2); // the two header pages
    writer.writePacket(packet(1));
    writer.writePacket(packet(2));
    const flushed = decoded(writer.flushPage());
    expect(flushed.map((p) => [p.segments.length, p.granulePosition])).toEqual([[2, 1920n]]);
    expect(writer.samplesWritten).toBe(3 * FRAME);
    const last = decoded(writer.finish({ totalSamples: 2 * FRAME + 100 }));
    expect(last.map((p) => [p.segments.length, p.granulePosition, p.eos])).toEqual([
      [1, 1920n + 100n + 312n, true],
    ]);
  });

  it('writes headers and an EOS page even with no audio', () => {
    const pages = decoded(new OggOpusWriter({ serial: SERIAL }).finish());
    expect(pages.map((p) => [p.sequence, p.bos, p.eos, p.segments.length])).toEqual([
      [0, true, false, 1],
      [1, false, false, 1],
      [2, false, true, 0],
    ]);
  });

  it('takes explicit durations, stereo, gain, vendor and comments', () => {
    const writer = new OggOpusWriter({
      serial: SERIAL,
      preSkip: 120,
      channelCount: 2,
      inputSampleRate: 16_000,
      outputGainDb: -3,
      vendor: 'test',
      comments: ['K=v'],
    });
    const pages = [...writer.writePacket(packet(0), 480), ...writer.finish()];
    const stream = readOggOpus(pages);
    expect(stream.head).toEqual({
      version: 1,
      channelCount: 2,
      preSkip: 120,
      inputSampleRate: 16_000,
      outputGainDb: -3,
      mappingFamily: 0,
    });
    expect(stream.tags).toEqual({ vendor: 'test', comments: ['K=v'] });
    expect(stream.finalGranule).toBe(480);
  });

  it('copies each packet, finishes once, then refuses more packets', () => {
    const writer = new OggOpusWriter({ serial: SERIAL });
    const buffer = Buffer.from(packet(7));
    const pages = writer.writePacket(buffer);
    buffer.fill(0);
    pages.push(...writer.finish());
    expect(readOggOpus(pages).packets[0]?.data).toEqual(packet(7));
    expect(writer.finish()).toEqual([]);
    expect(() => writer.writePacket(packet(0))).toThrow(InvalidStateError);
    expect(() => writer.flushPage()).toThrow(/already finished/);
  });

  it('rejects bad options and durations with a TypeError naming the field', () => {
    expect(() => new OggOpusWriter({ serial: SERIAL, preSkip: -1 })).toThrow(/preSkip/);
    expect(() => new OggOpusWriter({ serial: SERIAL, pageSamples: 0 })).toThrow(/pageSamples/);
    expect(() => new OggOpusWriter({ serial: 2 ** 32 })).toThrow(/serial/);
    const writer = new OggOpusWriter({ serial: SERIAL });
    expect(() => writer.writePacket(packet(0), 6000)).toThrow(/durationSamples/);
    expect(() => writer.finish({ totalSamples: -5 })).toThrow(/totalSamples/);
  });
});

describe('readOggOpus', () => {
  it('returns header, packets with durations and the playable duration', () => {
    const stream = readOggOpus(writeAll(new OggOpusWriter({ serial: SERIAL, preSkip: 312 }), 100));
    expect(stream.serial).toBe(SERIAL);
    expect(stream.head.preSkip).toBe(312);
    expect(stream.packets).toHaveLength(100);
    expect(stream.packets.every((p) => p.samples === FRAME)).toBe(true);
    expect(stream.packets.filter((p) => p.granulePosition !== null).map((p) => p.granulePosition)).toEqual([
      48_000, 96_000,
    ]);
    expect(stream.finalGranule).toBe(96_000);
    expect(stream.duration).toEqual({ samples: 96_000 - 312, ms: 1993.5 });
    expect(stream.ended).toBe(true);
  });

  it('reads the same stream fed page by page or byte by byte', () => {
    const pages = writeAll(new OggOpusWriter({ serial: SERIAL }), 70);
    const whole = Buffer.concat(pages);
    const reader = new OggOpusReader();
    let packets = 0;
    for (let i = 0; i < whole.length; i += 13) packets += reader.push(whole.subarray(i, i + 13)).length;
    reader.end();
    expect(packets).toBe(70);
    expect(reader.duration).toEqual(readOggOpus(pages).duration);
    expect(reader.head?.preSkip).toBe(312);
    expect(reader.tags?.vendor).toBe('Sotto');
  });

  it('reports progress on an unfinished stream without an EOS', () => {
    const writer = new OggOpusWriter({ serial: SERIAL });
    const pages: Uint8Array[] = [];
    for (let i = 0; i < 120; i++) pages.push(...writer.writePacket(packet(i)));
    const stream = readOggOpus(pages);
    expect(stream.ended).toBe(false);
    expect(stream.finalGranule).toBe(96_000);
  });

  const page = (overrides: Partial<OggPage>): Uint8Array =>
    encodePage({
      continued: false,
      bos: false,
      eos: false,
      granulePosition: 0n,
      serial: SERIAL,
      sequence: 0,
      segments: new Uint8Array(0),
      body: new Uint8Array(0),
      ...overrides,
    });
  const single = (body: Uint8Array, overrides: Partial<OggPage> = {}): Uint8Array =>
    page({ segments: Uint8Array.of(body.length), body, ...overrides });
  const HEAD = encodeOpusHead({
    version: 1,
    channelCount: 1,
    preSkip: 3840,
    inputSampleRate: 48_000,
    outputGainDb: 0,
    mappingFamily: 0,
  });
  const TAGS = encodeOpusTags({ vendor: 'x', comments: [] });

  it('rejects headers sharing a page with anything else', () => {
    const headAndTags = page({
      bos: true,
      segments: Uint8Array.of(HEAD.length, TAGS.length),
      body: Buffer.concat([HEAD, TAGS]),
    });
    expectFormatError(() => readOggOpus(headAndTags), 'OPUS_BAD_LAYOUT', /OpusHead and nothing else/);
    const tagsAndAudio = page({
      sequence: 1,
      segments: Uint8Array.of(TAGS.length, 3),
      body: Buffer.concat([TAGS, packet(0, 3)]),
    });
    expectFormatError(
      () => readOggOpus([single(HEAD, { bos: true }), tagsAndAudio]),
      'OPUS_BAD_LAYOUT',
      /new page after the OpusTags/,
    );
  });

  it('rejects a stream without OpusHead or OpusTags', () => {
    expectFormatError(() => readOggOpus(single(TAGS, { bos: true })), 'OPUS_BAD_HEAD', /not an OpusHead/);
    expectFormatError(
      () => readOggOpus(single(HEAD, { bos: true, eos: true })),
      'OPUS_BAD_TAGS',
      /no OpusTags/,
    );
    expectFormatError(() => readOggOpus(new Uint8Array(0)), 'OPUS_BAD_HEAD', /no OpusHead/);
  });

  it('rejects granule positions that go backwards, sit on headers, or end before the pre-skip', () => {
    const headers = [single(HEAD, { bos: true }), single(TAGS, { sequence: 1 })];
    const audio = (sequence: number, granule: bigint, eos = false): Uint8Array =>
      single(packet(sequence), { sequence, granulePosition: granule, eos });
    expectFormatError(
      () => readOggOpus([...headers, audio(2, 9600n), audio(3, 4800n)]),
      'OPUS_BAD_GRANULE',
      /goes back to granule position 4800 from 9600/,
    );
    expectFormatError(
      () => readOggOpus([single(HEAD, { bos: true, granulePosition: 5n })]),
      'OPUS_BAD_GRANULE',
      /header page 0/,
    );
    expectFormatError(
      () => readOggOpus([...headers, audio(2, 960n, true)]),
      'OPUS_BAD_GRANULE',
      /below the pre-skip 3840/,
    );
    expectFormatError(
      () => readOggOpus([...headers, audio(2, 2n ** 60n)]),
      'OPUS_BAD_GRANULE',
      /out of range/,
    );
  });

  it('rejects an empty audio packet', () => {
    const headers = [single(HEAD, { bos: true }), single(TAGS, { sequence: 1 })];
    expectFormatError(
      () => readOggOpus([...headers, single(new Uint8Array(0), { sequence: 2 })]),
      'OPUS_BAD_PACKET',
      /empty/,
    );
  });

  it('throws nothing but MediaFormatError on a mutated stream (fuzz)', () => {
    const whole = Buffer.concat(writeAll(new OggOpusWriter({ serial: SERIAL, comments: ['A=b'] }), 5));
    fc.assert(
      fc.property(fc.nat(whole.length - 1), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const copy = new Uint8Array(whole);
        copy[at] = (copy[at] ?? 0) ^ xor;
        // Re-sign every page so the mutation reaches the Opus layer instead of failing the CRC.
        let resigned: Uint8Array[];
        try {
          resigned = readOggPages(copy).map(encodePage);
        } catch {
          return;
        }
        try {
          readOggOpus(resigned);
        } catch (error) {
          expect(error).toBeInstanceOf(MediaFormatError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts an empty EOS page with granule −1 after the last audio page (as opus-recorder writes)', () => {
    const writer = new OggWriter({ serial: SERIAL });
    const pages = [
      ...writer.writePacket(HEAD, 0n),
      writer.flushPage(),
      ...writer.writePacket(TAGS, 0n),
      writer.flushPage(),
      ...writer.writePacket(packet(0), 48_000n),
      writer.flushPage(),
      ...writer.finish(),
    ].filter((p): p is Uint8Array => p !== null);
    expect(decodePage(pages.at(-1) ?? new Uint8Array(0)).page.granulePosition).toBe(NO_GRANULE);
    const stream = readOggOpus(pages);
    expect(stream.finalGranule).toBe(48_000);
    expect(stream.duration.samples).toBe(48_000 - 3840);
  });
});

describe('rewritePreSkip', () => {
  const original = writeAll(new OggOpusWriter({ serial: SERIAL, preSkip: OPUS_RECORDER_PRE_SKIP }), 60);

  it('rewrites the OpusHead pre-skip, recomputes the CRC and keeps the other pages', () => {
    const fixed = rewritePreSkip(original, OPUS_ENCODER_DELAY_SAMPLES);
    expect(fixed.slice(1)).toEqual(original.slice(1));
    expect(fixed[1]).toBe(original[1]);
    const first = decodePage(fixed[0] ?? new Uint8Array(0)).page; // verifies the new CRC
    expect(parseOpusHead(first.body).preSkip).toBe(312);
    const stream = readOggOpus(fixed);
    expect(stream.duration.samples).toBe(60 * FRAME - 312);
    expect(readOggOpus(original).duration.samples).toBe(60 * FRAME - 3840);
    const changed = [...(fixed[0] ?? [])].flatMap((byte, i) => (byte === original[0]?.[i] ? [] : [i]));
    expect(changed.every((i) => (i >= 22 && i < 26) || i === 28 + 10 || i === 28 + 11)).toBe(true);
  });

  it('works when the first element is the whole file', () => {
    const whole = Buffer.concat(original);
    const [fixed] = rewritePreSkip([whole], 312);
    expect(fixed?.length).toBe(whole.length);
    expect(readOggOpus(fixed ?? new Uint8Array(0)).head.preSkip).toBe(312);
    expect(readOggPages(fixed ?? new Uint8Array(0))).toHaveLength(original.length);
  });

  it('refuses a first page that is not a lone OpusHead', () => {
    expectFormatError(
      () => rewritePreSkip(original.slice(1), 312),
      'OPUS_BAD_LAYOUT',
      /BOS page holding only/,
    );
    expectFormatError(() => rewritePreSkip([], 312), 'OPUS_BAD_HEAD', /no first page/);
    expect(() => rewritePreSkip(original, 70_000)).toThrow(/preSkip/);
  });
});

describe('durationFromGranule', () => {
  it('subtracts the pre-skip and converts to milliseconds', () => {
    expect(durationFromGranule(48_312, 312)).toEqual({ samples: 48_000, ms: 1000 });
    expect(durationFromGranule(144_000n, 3840)).toEqual({ samples: 140_160, ms: 2920 });
    expect(durationFromGranule(100, 312)).toEqual({ samples: 0, ms: 0 });
    expect(samplesToMs(24)).toBe(0.5);
  });
});
