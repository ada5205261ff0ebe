import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../../src/shared/protocol';
import { decodeUtf8, encodeUtf8, utf8Length } from '../../../../src/shared/protocol/utf8';
import { runs } from './arbitraries';

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** What the platform's fatal decoder makes of some bytes: the text, or null when it rejects them. */
function platformDecode(bytes: Uint8Array): string | null {
  try {
    return fatal.decode(bytes);
  } catch {
    return null;
  }
}

/** Our decoder, with the same contract; only BAD_UTF8 may be thrown. */
function ourDecode(bytes: Uint8Array): string | null {
  try {
    return decodeUtf8(bytes, 'text');
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe('BAD_UTF8');
    return null;
  }
}

/** Bytes near UTF-8 boundaries: lead bytes, continuation bytes, overlong and surrogate prefixes. */
const utf8ish = fc.array(
  fc.oneof(
    fc.nat({ max: 255 }),
    fc.constantFrom(
      0x80,
      0xbf,
      0xc0,
      0xc1,
      0xc2,
      0xdf,
      0xe0,
      0xed,
      0xef,
      0xf0,
      0xf4,
      0xf5,
      0x9f,
      0xa0,
      0x8f,
      0x90,
    ),
  ),
  { maxLength: 12 },
);

describe('strict UTF-8', () => {
  it('decodes exactly what a fatal TextDecoder accepts, to the same text', () => {
    fc.assert(
      fc.property(utf8ish, (values) => {
        const bytes = Uint8Array.from(values);
        expect(ourDecode(bytes)).toBe(platformDecode(bytes));
      }),
      runs(3_000),
    );
  });

  it('encodes well-formed text like TextEncoder and rejects lone surrogates', () => {
    const anyUnits = fc.string({
      unit: fc.nat({ max: 0xffff }).map((unit) => String.fromCharCode(unit)),
      maxLength: 8,
    });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), anyUnits), (text) => {
        expect(utf8Length(text)).toBe(encoder.encode(text).length);
        let wellFormed = true;
        try {
          encodeURIComponent(text); // throws URIError exactly on lone surrogates
        } catch {
          wellFormed = false;
        }
        if (wellFormed) {
          expect(encodeUtf8(text, 'text')).toEqual(encoder.encode(text));
          expect(decodeUtf8(encodeUtf8(text, 'text'), 'text')).toBe(text);
        } else {
          expect(() => encodeUtf8(text, 'text')).toThrow(ProtocolError);
        }
      }),
      runs(2_000),
    );
  });

  it('decodes long strings in pieces', () => {
    const text = 'é'.repeat(5_000) + '😀';
    expect(decodeUtf8(encoder.encode(text), 'text')).toBe(text);
  });
});
