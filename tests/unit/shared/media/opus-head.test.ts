import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MediaFormatError } from '../../../../src/shared/media/errors';
import {
  OPUS_HEAD_BYTES,
  encodeOpusHead,
  encodeOpusTags,
  parseOpusHead,
  parseOpusTags,
} from '../../../../src/shared/media/opus-head';
import type { OpusHead } from '../../../../src/shared/media/opus-head';
import { OPUS_MAX_PACKET_SAMPLES, opusPacketSamples } from '../../../../src/shared/media/opus-packet';
import { utf8Decode, utf8Encode } from '../../../../src/shared/media/utf8';

const HEAD: OpusHead = {
  version: 1,
  channelCount: 1,
  preSkip: 312,
  inputSampleRate: 48_000,
  outputGainDb: 0,
  mappingFamily: 0,
};

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('OpusHead', () => {
  it('encodes the RFC 7845 §5.1 layout byte for byte', () => {
    // "OpusHead", version 1, 1 channel, pre-skip 312 (0x0138), 48000 Hz, gain 0, family 0.
    expect(hex(encodeOpusHead(HEAD))).toBe(
      '4f70757348656164' + '01' + '01' + '3801' + '80bb0000' + '0000' + '00',
    );
    expect(encodeOpusHead(HEAD)).toHaveLength(OPUS_HEAD_BYTES);
  });

  it('round-trips any valid header (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          version: fc.integer({ min: 0, max: 15 }),
          channelCount: fc.integer({ min: 1, max: 2 }),
          preSkip: fc.integer({ min: 0, max: 0xffff }),
          inputSampleRate: fc.nat(),
          outputGainDb: fc.integer({ min: -0x8000, max: 0x7fff }).map((q) => q / 256),
          mappingFamily: fc.constant(0 as const),
        }),
        (head) => {
          expect(parseOpusHead(encodeOpusHead(head))).toEqual(head);
        },
      ),
    );
  });

  it('stores output gain as signed Q7.8 dB', () => {
    const bytes = encodeOpusHead({ ...HEAD, outputGainDb: -1.5 });
    expect(new DataView(bytes.buffer).getInt16(16, true)).toBe(-384);
  });

  it('rejects out-of-range fields with a TypeError naming them', () => {
    expect(() => encodeOpusHead({ ...HEAD, preSkip: 65_536 })).toThrow(/preSkip/);
    expect(() => encodeOpusHead({ ...HEAD, channelCount: 3 })).toThrow(/channelCount/);
    expect(() => encodeOpusHead({ ...HEAD, outputGainDb: 200 })).toThrow(/outputGainDb/);
  });

  it('rejects malformed and unsupported headers with coded errors', () => {
    const good = encodeOpusHead(HEAD);
    const with_ = (at: number, value: number): Uint8Array => {
      const copy = good.slice();
      copy[at] = value;
      return copy;
    };
    expect(() => parseOpusHead(good.subarray(0, 18))).toThrow(
      expect.objectContaining({ code: 'OPUS_BAD_HEAD' }) as Error,
    );
    expect(() => parseOpusHead(with_(0, 0x6f))).toThrow(MediaFormatError);
    expect(() => parseOpusHead(with_(8, 0x10))).toThrow(
      expect.objectContaining({
        code: 'OPUS_UNSUPPORTED',
        message: 'OpusHead version 16 is incompatible with version 1',
      }) as Error,
    );
    expect(() => parseOpusHead(with_(18, 1))).toThrow(
      expect.objectContaining({
        code: 'OPUS_UNSUPPORTED',
        message: 'channel mapping family 1 is not supported',
      }) as Error,
    );
    expect(() => parseOpusHead(with_(9, 0))).toThrow(
      expect.objectContaining({ code: 'OPUS_BAD_HEAD' }) as Error,
    );
  });
});

describe('OpusTags', () => {
  it('encodes the RFC 7845 §5.2 layout', () => {
    const bytes = encodeOpusTags({ vendor: 'Sotto', comments: ['A=b'] });
    expect(hex(bytes)).toBe(
      '4f70757354616773' + '05000000' + hex(utf8Encode('Sotto')) + '01000000' + '03000000' + '413d62',
    );
  });

  it('round-trips vendor and comments, including non-ASCII text', () => {
    const tags = { vendor: 'Sotto ✓', comments: ['TITLE=Grüße 🎙', 'EMPTY=', ''] };
    expect(parseOpusTags(encodeOpusTags(tags))).toEqual(tags);
  });

  it('ignores padding after the comments (as opusenc writes)', () => {
    const bytes = encodeOpusTags({ vendor: 'x', comments: [] });
    const padded = new Uint8Array(bytes.length + 100);
    padded.set(bytes);
    expect(parseOpusTags(padded)).toEqual({ vendor: 'x', comments: [] });
  });

  it('rejects lengths that run past the packet', () => {
    const bytes = encodeOpusTags({ vendor: 'abc', comments: ['K=v'] });
    const code = { code: 'OPUS_BAD_TAGS' };
    expect(() => parseOpusTags(bytes.subarray(0, bytes.length - 1))).toThrow(
      expect.objectContaining(code) as Error,
    );
    expect(() => parseOpusTags(bytes.subarray(0, 10))).toThrow(expect.objectContaining(code) as Error);
    const hugeCount = bytes.slice();
    new DataView(hugeCount.buffer).setUint32(15, 0xffffffff, true);
    expect(() => parseOpusTags(hugeCount)).toThrow(/more than fit/);
    expect(() => parseOpusTags(encodeOpusHead(HEAD))).toThrow(/not an OpusTags/);
  });

  it('throws only MediaFormatError on arbitrary bytes after the magic (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (tail) => {
        const packet = new Uint8Array(8 + tail.length);
        packet.set(utf8Encode('OpusTags'));
        packet.set(tail, 8);
        try {
          parseOpusTags(packet);
        } catch (error) {
          expect(error).toBeInstanceOf(MediaFormatError);
        }
      }),
    );
  });
});

describe('utf8', () => {
  it('agrees with TextEncoder / TextDecoder on any string (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(hex(utf8Encode(text))).toBe(hex(new TextEncoder().encode(text)));
        expect(utf8Decode(utf8Encode(text))).toBe(text);
      }),
    );
  });

  it('encodes lone surrogates as U+FFFD like TextEncoder (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(hex(utf8Encode(text))).toBe(hex(new TextEncoder().encode(text)));
      }),
    );
    expect(utf8Decode(utf8Encode('a\ud800b'))).toBe('a\ufffdb');
  });

  it('decodes malformed bytes like TextDecoder does (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 32 }), (bytes) => {
        expect(utf8Decode(bytes)).toBe(new TextDecoder().decode(bytes));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('opusPacketSamples', () => {
  it('reads the duration from the TOC byte (RFC 6716 §3.1)', () => {
    expect(opusPacketSamples(Uint8Array.of(0xf8))).toBe(960); // CELT FB 20 ms, one frame
    expect(opusPacketSamples(Uint8Array.of(0x00))).toBe(480); // SILK NB 10 ms
    expect(opusPacketSamples(Uint8Array.of(0x18))).toBe(2880); // SILK NB 60 ms
    expect(opusPacketSamples(Uint8Array.of(0x80))).toBe(120); // CELT NB 2.5 ms
    expect(opusPacketSamples(Uint8Array.of(0x69))).toBe(1920); // Hybrid FB 20 ms, two frames
    expect(opusPacketSamples(Uint8Array.of(0xfb, 0x03))).toBe(2880); // code 3, three 20 ms frames
    expect(opusPacketSamples(Uint8Array.of(0xfb, 0x06))).toBe(OPUS_MAX_PACKET_SAMPLES);
  });

  it('rejects empty, frameless and over-long packets', () => {
    const bad = { code: 'OPUS_BAD_PACKET' };
    expect(() => opusPacketSamples(new Uint8Array(0))).toThrow(expect.objectContaining(bad) as Error);
    expect(() => opusPacketSamples(Uint8Array.of(0xfb))).toThrow(/frame count/);
    expect(() => opusPacketSamples(Uint8Array.of(0xfb, 0x00))).toThrow(/0 frames/);
    expect(() => opusPacketSamples(Uint8Array.of(0x1b, 0x03))).toThrow(/180 ms/);
  });
});
