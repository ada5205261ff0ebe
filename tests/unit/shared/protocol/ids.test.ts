import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  asChunkIndex,
  asConversationId,
  asCursor,
  asDeviceKey,
  asMessageId,
  asMillis,
  asRequestId,
  fromHex,
  isConversationId,
  isDeviceKey,
  isMessageId,
  nextRequestId,
  sameBytes,
  toHex,
  PUSH_REQUEST_ID,
  U32_MAX,
} from '../../../../src/shared/protocol';
import { runs } from './arbitraries';

describe('id guards', () => {
  it('accept exactly the right length and brand without copying', () => {
    const sixteen = new Uint8Array(16);
    expect(asMessageId(sixteen)).toBe(sixteen);
    expect(asConversationId(sixteen)).toBe(sixteen);
    expect(asDeviceKey(new Uint8Array(32)).length).toBe(32);
    expect(isMessageId(sixteen)).toBe(true);
    expect(isConversationId(sixteen)).toBe(true);
    expect(isDeviceKey(sixteen)).toBe(false);
    expect(isMessageId([...sixteen])).toBe(false);
  });

  it('throw TypeError naming the field on the wrong length', () => {
    expect(() => asMessageId(new Uint8Array(15))).toThrow(
      new TypeError('messageId must be 16 bytes, got 15'),
    );
    expect(() => asConversationId(new Uint8Array(17))).toThrow(
      new TypeError('conversationId must be 16 bytes, got 17'),
    );
    expect(() => asDeviceKey(new Uint8Array(16))).toThrow(
      new TypeError('deviceKey must be 32 bytes, got 16'),
    );
  });

  it('check integer ranges of numeric brands', () => {
    expect(asChunkIndex(U32_MAX)).toBe(U32_MAX);
    expect(asRequestId(0)).toBe(PUSH_REQUEST_ID);
    expect(asCursor(Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
    expect(asMillis(0)).toBe(0);
    expect(() => asChunkIndex(-1)).toThrow(
      new TypeError('chunkIndex must be an integer in 0..4294967295, got -1'),
    );
    expect(() => asRequestId(2 ** 32)).toThrow(TypeError);
    expect(() => asCursor(2 ** 53)).toThrow(TypeError);
    expect(() => asMillis(1.5)).toThrow(TypeError);
  });
});

describe('request ids', () => {
  it('count up, wrap from 2^32-1 to 1 and never return the push id 0', () => {
    expect(nextRequestId(PUSH_REQUEST_ID)).toBe(1);
    expect(nextRequestId(asRequestId(41))).toBe(42);
    expect(nextRequestId(asRequestId(U32_MAX))).toBe(1);
  });
});

describe('hex', () => {
  it('round-trips any bytes and matches the platform', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const hex = toHex(bytes);
        expect(hex).toBe(Buffer.from(bytes).toString('hex'));
        expect(fromHex(hex)).toEqual(bytes);
        expect(fromHex(hex.toUpperCase())).toEqual(bytes);
      }),
      runs(500),
    );
  });

  it('rejects odd lengths and non-hex characters', () => {
    expect(() => fromHex('abc')).toThrow(TypeError);
    expect(() => fromHex('zz')).toThrow(new TypeError('not a hex string of whole bytes: "zz"'));
    expect(fromHex('')).toEqual(new Uint8Array());
  });

  it('sameBytes compares contents', () => {
    expect(sameBytes(fromHex('0102'), Uint8Array.of(1, 2))).toBe(true);
    expect(sameBytes(fromHex('0102'), Uint8Array.of(1, 3))).toBe(false);
    expect(sameBytes(fromHex('0102'), Uint8Array.of(1))).toBe(false);
  });
});
