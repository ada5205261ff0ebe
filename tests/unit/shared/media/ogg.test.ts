import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidStateError, MediaFormatError } from '../../../../src/shared/media/errors';
import type { MediaFormatErrorCode } from '../../../../src/shared/media/errors';
import {
  NO_GRANULE,
  OggPacketReader,
  OggPageReader,
  OggWriter,
  decodePage,
  encodePage,
  oggCrc32,
  readOggPackets,
  readOggPages,
} from '../../../../src/shared/media/ogg';
import type { OggPage } from '../../../../src/shared/media/ogg';

const SERIAL = 0x5077_0001;

function bytesOf(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7) & 0xff;
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Byte-wise equality; vitest's deep equality walks typed arrays element by element, too slowly here. */
function sameBytes(actual: readonly Uint8Array[], expected: readonly Uint8Array[]): boolean {
  return (
    actual.length === expected.length &&
    actual.every((bytes, i) => Buffer.from(bytes).equals(expected[i] ?? new Uint8Array(0)))
  );
}

function page(overrides: Partial<OggPage> = {}): OggPage {
  return {
    continued: false,
    bos: false,
    eos: false,
    granulePosition: 0n,
    serial: SERIAL,
    sequence: 0,
    segments: Uint8Array.of(3),
    body: Uint8Array.of(1, 2, 3),
    ...overrides,
  };
}

function expectFormatError(run: () => unknown, code: MediaFormatErrorCode, message: RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(MediaFormatError);
  expect(caught).toMatchObject({ name: 'MediaFormatError', code });
  expect((caught as Error).message).toMatch(message);
}

/** Writes packets, flushing after the indices in `flushAfter`, and returns the stream's pages. */
function writeStream(
  packets: readonly Uint8Array[],
  flushAfter: ReadonlySet<number> = new Set(),
): Uint8Array[] {
  const writer = new OggWriter({ serial: SERIAL });
  const pages: Uint8Array[] = [];
  packets.forEach((packet, i) => {
    pages.push(...writer.writePacket(packet, BigInt(i + 1) * 1000n));
    if (flushAfter.has(i)) {
      const flushed = writer.flushPage();
      if (flushed !== null) pages.push(flushed);
    }
  });
  pages.push(...writer.finish());
  return pages;
}

describe('oggCrc32', () => {
  it('is CRC-32 with poly 0x04C11DB7, MSB first, init 0, no final XOR', () => {
    const ascii = Uint8Array.from('123456789', (c) => c.charCodeAt(0));
    expect(oggCrc32(ascii)).toBe(0x89a1897f);
    expect(oggCrc32(new Uint8Array(0))).toBe(0);
    expect(oggCrc32(ascii.subarray(4), oggCrc32(ascii.subarray(0, 4)))).toBe(0x89a1897f);
  });

  it('matches a hand-checked page: header-only BOS+EOS page of stream 1', () => {
    const bytes = encodePage(
      page({
        bos: true,
        eos: true,
        serial: 1,
        granulePosition: NO_GRANULE,
        segments: new Uint8Array(0),
        body: new Uint8Array(0),
      }),
    );
    expect(Array.from(bytes.subarray(0, 27))).toEqual([
      0x4f,
      0x67,
      0x67,
      0x53,
      0,
      0x06,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      1,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      ...[bytes[22], bytes[23], bytes[24], bytes[25]],
      0,
    ]);
    const zeroed = bytes.slice();
    zeroed.fill(0, 22, 26);
    expect(new DataView(bytes.buffer).getUint32(22, true)).toBe(oggCrc32(zeroed));
  });
});

describe('encodePage / decodePage', () => {
  it('round-trips every header field', () => {
    const original = page({
      continued: true,
      eos: true,
      granulePosition: 2n ** 40n + 7n,
      serial: 0xffffffff,
      sequence: 123_456,
      segments: Uint8Array.of(255, 10),
      body: bytesOf(265, 1),
    });
    const bytes = encodePage(original);
    expect(bytes.length).toBe(27 + 2 + 265);
    const { page: decoded, byteLength } = decodePage(bytes);
    expect(byteLength).toBe(bytes.length);
    expect(decoded).toEqual(original);
  });

  it('keeps granule −1 (no packet ends here) as −1n', () => {
    expect(decodePage(encodePage(page({ granulePosition: -1n }))).page.granulePosition).toBe(NO_GRANULE);
  });

  it('rejects fields out of range with a TypeError naming the field', () => {
    expect(() => encodePage(page({ serial: 2 ** 32 }))).toThrow(/serial/);
    expect(() => encodePage(page({ sequence: -1 }))).toThrow(/sequence/);
    expect(() => encodePage(page({ granulePosition: 2n ** 63n }))).toThrow(/granulePosition/);
    expect(() => encodePage(page({ segments: new Uint8Array(256), body: new Uint8Array(0) }))).toThrow(
      /segments/,
    );
    expect(() => encodePage(page({ segments: Uint8Array.of(4) }))).toThrow(/body/);
    expect(() => encodePage(page({ serial: 1.5 }))).toThrow(TypeError);
  });

  it('reports each kind of damage with its own code', () => {
    const good = encodePage(page());
    const damaged = (at: number, value: number): Uint8Array => {
      const copy = good.slice();
      copy[at] = value;
      return copy;
    };
    expectFormatError(() => decodePage(damaged(0, 0x4e)), 'OGG_BAD_CAPTURE', /capture pattern/);
    expectFormatError(() => decodePage(damaged(4, 1)), 'OGG_BAD_VERSION', /version 1/);
    expectFormatError(() => decodePage(damaged(5, 0x08)), 'OGG_BAD_FLAGS', /reserved/);
    expectFormatError(() => decodePage(damaged(good.length - 1, 0x99)), 'OGG_BAD_CRC', /CRC/);
    expectFormatError(() => decodePage(damaged(22, (good[22] ?? 0) ^ 1)), 'OGG_BAD_CRC', /CRC/);
    expectFormatError(() => decodePage(good.subarray(0, good.length - 1)), 'OGG_TRUNCATED', /cut off/);
    expectFormatError(() => decodePage(good.subarray(0, 10)), 'OGG_TRUNCATED', /cut off/);
  });
});

describe('OggWriter', () => {
  it('laces a packet of exactly 2·255 bytes with a terminating 0', () => {
    const [only] = writeStream([bytesOf(510, 2)]);
    expect(only).toBeDefined();
    const { page: decoded } = decodePage(only ?? new Uint8Array(0));
    expect(Array.from(decoded.segments)).toEqual([255, 255, 0]);
    expect(decoded.bos && decoded.eos).toBe(true);
  });

  it('laces an empty packet as a single 0', () => {
    const [only] = writeStream([new Uint8Array(0)]);
    expect(Array.from(decodePage(only ?? new Uint8Array(0)).page.segments)).toEqual([0]);
  });

  it('continues a packet of 255·255 bytes on a second page holding only its terminating 0', () => {
    const pages = writeStream([bytesOf(255 * 255, 3)]).map((bytes) => decodePage(bytes).page);
    expect(pages).toHaveLength(2);
    const [first, second] = pages;
    expect(first).toMatchObject({
      bos: true,
      continued: false,
      eos: false,
      granulePosition: NO_GRANULE,
      sequence: 0,
    });
    expect(first?.segments.length).toBe(255);
    expect(second).toMatchObject({
      bos: false,
      continued: true,
      eos: true,
      granulePosition: 1000n,
      sequence: 1,
    });
    expect(Array.from(second?.segments ?? [])).toEqual([0]);
  });

  it('gives a page the granule of the last packet that ends on it, and −1 when none does', () => {
    const pages = writeStream([bytesOf(10, 1), bytesOf(200_000, 2), bytesOf(10, 3)]).map(
      (bytes) => decodePage(bytes).page,
    );
    // 1 + 785 + 1 lacing values: pages of 255, 255, 255 and 22; pages 1 and 2 end no packet.
    expect(pages.map((p) => [p.sequence, p.continued, p.segments.length, p.granulePosition])).toEqual([
      [0, false, 255, 1000n],
      [1, true, 255, NO_GRANULE],
      [2, true, 255, NO_GRANULE],
      [3, true, 22, 3000n],
    ]);
  });

  it('emits a page on flushPage(), null when nothing waits, and an empty EOS page if finished then', () => {
    const writer = new OggWriter({ serial: SERIAL });
    expect(writer.flushPage()).toBeNull();
    expect(writer.writePacket(bytesOf(20, 1), 960n)).toEqual([]);
    expect(writer.pendingBytes).toBe(20);
    const flushed = writer.flushPage();
    expect(flushed).not.toBeNull();
    expect(writer.pageCount).toBe(1);
    const [last] = writer.finish();
    const decoded = decodePage(last ?? new Uint8Array(0)).page;
    expect(decoded).toMatchObject({ eos: true, bos: false, sequence: 1, granulePosition: NO_GRANULE });
    expect(decoded.segments.length).toBe(0);
    expect(writer.finish()).toEqual([]);
  });

  it('copies packets, so a caller may reuse its buffer', () => {
    const writer = new OggWriter({ serial: SERIAL });
    const buffer = bytesOf(30, 1);
    writer.writePacket(buffer, 1n);
    buffer.fill(0);
    const [packet] = readOggPackets(writer.finish());
    expect(packet?.data).toEqual(bytesOf(30, 1));
  });

  it('refuses to write after finish() with a coded InvalidStateError', () => {
    const writer = new OggWriter({ serial: SERIAL });
    writer.finish();
    expect(() => writer.writePacket(new Uint8Array(1), 0n)).toThrow(InvalidStateError);
    expect(() => writer.flushPage()).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }) as Error);
  });

  it('rejects a serial outside uint32', () => {
    expect(() => new OggWriter({ serial: -1 })).toThrow(/serial/);
  });
});

describe('Ogg round trip', () => {
  it('returns the packets, granules and BOS/EOS marks that went in', () => {
    const sizes = [0, 1, 254, 255, 256, 510, 765, 4000, 255 * 255, 70_000, 100];
    const packets = sizes.map((size, i) => bytesOf(size, i));
    const out = readOggPackets(writeStream(packets, new Set([2, 5])));
    expect(
      sameBytes(
        out.map((p) => p.data),
        packets,
      ),
    ).toBe(true);
    expect(out[0]?.bos).toBe(true);
    expect(out.at(-1)?.eos).toBe(true);
    expect(out.filter((p) => p.eos)).toHaveLength(1);
    out.forEach((packet, i) => {
      if (packet.granulePosition !== null) expect(packet.granulePosition).toBe(BigInt(i + 1) * 1000n);
    });
    expect(out.filter((p) => p.granulePosition !== null).length).toBeGreaterThanOrEqual(3);
  });

  it('holds for any packets, flush points and input chunking (property)', () => {
    const size = fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 600 }) },
      { weight: 3, arbitrary: fc.integer({ min: 1, max: 300 }).map((k) => k * 255) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 70_000 }) },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(size, fc.boolean()), { minLength: 1, maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 20_000 }), { minLength: 1, maxLength: 8 }),
        (spec, cuts) => {
          const packets = spec.map(([length], i) => bytesOf(length, i));
          const flushAfter = new Set(spec.flatMap(([, flush], i) => (flush ? [i] : [])));
          const stream = concat(writeStream(packets, flushAfter));
          const chunks: Uint8Array[] = [];
          for (let offset = 0, i = 0; offset < stream.length; i++) {
            const length = cuts[i % cuts.length] ?? 1;
            chunks.push(stream.subarray(offset, offset + length));
            offset += length;
          }
          const out = readOggPackets(chunks);
          expect(
            sameBytes(
              out.map((p) => p.data),
              packets,
            ),
          ).toBe(true);
          const lastGranule = out.filter((p) => p.granulePosition !== null).at(-1)?.granulePosition;
          expect(lastGranule).toBe(BigInt(packets.length) * 1000n);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('Ogg readers reject malformed streams', () => {
  const stream = writeStream([bytesOf(100, 1), bytesOf(600, 2), bytesOf(100, 3)], new Set([0, 1]));
  const encoded = (overrides: Partial<OggPage>): Uint8Array => encodePage(page(overrides));

  it('needs BOS on the first page only', () => {
    expectFormatError(() => readOggPackets(encoded({ bos: false })), 'OGG_BAD_BOS', /lacks the BOS/);
    expectFormatError(
      () => readOggPackets([encoded({ bos: true }), encoded({ bos: true, sequence: 1 })]),
      'OGG_BAD_BOS',
      /not the first page/,
    );
  });

  it('detects a missing page by its sequence number', () => {
    expectFormatError(
      () => readOggPackets([stream[0], stream[2], stream[3]].filter((p) => p !== undefined)),
      'OGG_BAD_SEQUENCE',
      /expected Ogg page 1, got 2/,
    );
  });

  it('rejects pages of another logical stream', () => {
    expectFormatError(
      () => readOggPackets([encoded({ bos: true }), encoded({ sequence: 1, serial: 7 })]),
      'OGG_BAD_SERIAL',
      /multiplexed or chained/,
    );
  });

  it('checks the continued flag against the previous page', () => {
    expectFormatError(
      () => readOggPackets([encoded({ bos: true }), encoded({ sequence: 1, continued: true })]),
      'OGG_BAD_CONTINUATION',
      /none was left open/,
    );
    const open = encoded({ bos: true, segments: Uint8Array.of(255), body: bytesOf(255, 1) });
    expectFormatError(
      () => readOggPackets([open, encoded({ sequence: 1 })]),
      'OGG_BAD_CONTINUATION',
      /previous one is unfinished/,
    );
  });

  it('rejects pages after EOS, an EOS page ending inside a packet, and input ending inside one', () => {
    expectFormatError(
      () => readOggPackets([encoded({ bos: true, eos: true }), encoded({ sequence: 1 })]),
      'OGG_AFTER_EOS',
      /follows the end-of-stream/,
    );
    const openEos = encoded({ bos: true, eos: true, segments: Uint8Array.of(255), body: bytesOf(255, 1) });
    expectFormatError(() => readOggPackets(openEos), 'OGG_TRUNCATED', /EOS page 0 ends inside a packet/);
    const open = encoded({ bos: true, segments: Uint8Array.of(255), body: bytesOf(255, 1) });
    expectFormatError(() => readOggPackets(open), 'OGG_TRUNCATED', /inside a packet/);
  });

  it('reports a file cut inside a page, with the byte position', () => {
    const whole = concat(stream);
    expectFormatError(
      () => readOggPages(whole.subarray(0, whole.length - 3)),
      'OGG_TRUNCATED',
      /at byte \d+/,
    );
    const reader = new OggPageReader();
    expect(reader.push(whole.subarray(0, 30))).toEqual([]);
    expectFormatError(
      () => {
        reader.end();
      },
      'OGG_TRUNCATED',
      /at byte 0/,
    );
  });

  it('reports the stream position of a bad page fed in pieces', () => {
    const whole = concat(stream);
    const second = stream[0]?.length ?? 0;
    const corrupt = whole.slice();
    corrupt[second + 30] = (corrupt[second + 30] ?? 0) ^ 0xff;
    const reader = new OggPageReader();
    reader.push(corrupt.subarray(0, second + 10));
    expectFormatError(
      () => reader.push(corrupt.subarray(second + 10)),
      'OGG_BAD_CRC',
      new RegExp(`at byte ${second} `),
    );
  });

  it('throws nothing but MediaFormatError on random or mutated input (fuzz)', () => {
    const whole = concat(stream);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 400 }),
          fc.tuple(fc.nat(whole.length - 1), fc.integer({ min: 1, max: 255 })).map(([at, xor]) => {
            const copy = whole.slice();
            copy[at] = (copy[at] ?? 0) ^ xor;
            return copy;
          }),
          fc.nat(whole.length).map((cut) => whole.subarray(0, cut)),
        ),
        (input) => {
          try {
            readOggPackets(input);
          } catch (error) {
            expect(error).toBeInstanceOf(MediaFormatError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('exposes the serial and the EOS state of a packet reader', () => {
    const reader = new OggPacketReader();
    expect(reader.serial).toBeNull();
    for (const bytes of stream) reader.pushPage(decodePage(bytes).page);
    expect(reader.serial).toBe(SERIAL);
    expect(reader.ended).toBe(true);
  });
});
