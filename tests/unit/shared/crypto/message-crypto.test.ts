import fc from 'fast-check';
import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_CHUNK_PLAINTEXT_BYTES,
  MessageCryptoError,
  WRAPPED_KEY_BYTES,
  asMessageKey,
  assertChunkCount,
  chunkAssociatedData,
  chunkNonce,
  newMessageKey,
  openChunk,
  openMessage,
  openMetadata,
  sealChunk,
  sealMetadata,
  unwrapKey,
  wrapKey,
} from '../../../../src/shared/crypto/message-crypto';
import type {
  MessageCryptoErrorCode,
  MessageKey,
  MessageMetadata,
  SealedChunk,
} from '../../../../src/shared/crypto/message-crypto';
import { decodeMetadata, encodeMetadata } from '../../../../src/shared/crypto/metadata-format';
import { generateKeyPair } from '../../../../src/shared/crypto/noise';
import { sodiumReady } from '../../../../src/shared/crypto/sodium';
import {
  asConversationId,
  asDeviceKey,
  asMessageId,
  fromHex,
  toHex,
} from '../../../../src/shared/protocol/ids';
import type { MessageId } from '../../../../src/shared/protocol/ids';
import { MAX_WRAPPED_KEY_BYTES } from '../../../../src/shared/protocol/limits';
import { runs } from './seed';

/** Largest wrap a begin frame with MAX_WRAPS wraps can carry (docs/PROTOCOL.md). */
const MAX_WRAP_IN_FULL_BEGIN_BYTES = 215;
const METADATA_AD_LABEL_HEX = toHex(new TextEncoder().encode('sotto-meta'));

beforeAll(async () => {
  await sodiumReady();
});

function randomMessageId(): MessageId {
  return asMessageId(sodium.randombytes_buf(16));
}

/** The MessageCryptoError `run` throws; fails the test if it returns or throws something else. */
function rejection(run: () => unknown): MessageCryptoError {
  try {
    run();
  } catch (error) {
    if (error instanceof MessageCryptoError) return error;
    throw error;
  }
  throw new Error('expected a MessageCryptoError, but the call succeeded');
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[bit >> 3] = (copy[bit >> 3] ?? 0) ^ (1 << (bit & 7));
  return copy;
}

interface Sealed {
  key: MessageKey;
  messageId: MessageId;
  plaintexts: Uint8Array[];
  chunks: SealedChunk[];
}

/** A sealed message whose chunks have the given plaintext sizes (an empty chunk included by default). */
function sealedMessage(
  sizes: readonly number[] = [120, 0, 333, 77, 5],
  key = newMessageKey(),
  messageId = randomMessageId(),
): Sealed {
  const plaintexts = sizes.map((size) => sodium.randombytes_buf(size));
  const last = sizes.length - 1;
  const chunks = plaintexts.map((plaintext, index) => ({
    index,
    final: index === last,
    data: sealChunk(key, messageId, index, index === last, plaintext),
  }));
  return { key, messageId, plaintexts, chunks };
}

function sampleMetadata(): MessageMetadata {
  return {
    codec: 'opus',
    sampleRate: 48_000,
    durationMs: 4_321,
    waveform: Array.from({ length: 100 }, (_, i) => (i * 37) % 256),
    conversationId: asConversationId(sodium.randombytes_buf(16)),
    sentAtMs: 1_767_225_600_000,
    chunkCount: 5,
  };
}

describe('chunk nonce and associated data', () => {
  const key = asMessageKey(fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'));
  const messageId = asMessageId(fromHex('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf'));
  const plaintext = new TextEncoder().encode('OggS pretend opus page');

  it('derives nonce = messageId ‖ u64le(index) and AD = nonce ‖ final, as written by hand', () => {
    expect(toHex(chunkNonce(messageId, 0x01020304))).toBe('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0403020100000000');
    expect(toHex(chunkAssociatedData(messageId, 0x01020304, true))).toBe(
      'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf040302010000000001',
    );
    expect(toHex(chunkAssociatedData(messageId, 0, false))).toBe(
      'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf000000000000000000',
    );
  });

  it('seals exactly as libsodium does with the hand-computed nonce and AD, with no nonce prefix', () => {
    for (const [index, final, nonceHex, adHex] of [
      [
        0x01020304,
        true,
        'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0403020100000000',
        'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf040302010000000001',
      ],
      [
        7,
        false,
        'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0700000000000000',
        'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf070000000000000000',
      ],
    ] as const) {
      const expected = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
        plaintext,
        fromHex(adHex),
        null,
        fromHex(nonceHex),
        key,
      );
      const sealed = sealChunk(key, messageId, index, final, plaintext);
      expect(toHex(sealed)).toBe(toHex(expected));
      expect(sealed.length).toBe(plaintext.length + 16);
      expect(openChunk(key, messageId, index, final, sealed)).toEqual(plaintext);
    }
  });

  it('is deterministic (resume re-sends the stored bytes; sealing twice gives the same bytes)', () => {
    expect(sealChunk(key, messageId, 3, false, plaintext)).toEqual(
      sealChunk(key, messageId, 3, false, plaintext),
    );
  });

  it('rejects bad arguments with TypeError or RangeError naming the field', () => {
    expect(() => sealChunk(key, messageId, -1, false, plaintext)).toThrow(/index must be an integer/);
    expect(() => sealChunk(key, messageId, 1.5, false, plaintext)).toThrow(TypeError);
    expect(() => sealChunk(key, messageId, 2 ** 32, false, plaintext)).toThrow(TypeError);
    expect(() => sealChunk(key, messageId.subarray(1) as MessageId, 0, false, plaintext)).toThrow(
      /messageId/,
    );
    expect(() => sealChunk(key.subarray(1) as MessageKey, messageId, 0, false, plaintext)).toThrow(/key/);
    expect(() => sealChunk(key, messageId, 0, true, new Uint8Array(MAX_CHUNK_PLAINTEXT_BYTES + 1))).toThrow(
      RangeError,
    );
    expect(sealChunk(key, messageId, 0, true, new Uint8Array(MAX_CHUNK_PLAINTEXT_BYTES)).length).toBe(
      63 * 1024,
    );
  });
});

describe('openMessage', () => {
  it('opens an intact message byte-identical, in order', () => {
    const message = sealedMessage();
    expect(openMessage(message.key, message.messageId, message.chunks)).toEqual(message.plaintexts);
  });

  it('opens a single-chunk message', () => {
    const message = sealedMessage([42]);
    expect(openMessage(message.key, message.messageId, message.chunks)).toEqual(message.plaintexts);
  });

  it('round-trips any chunk sizes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 2_000 }), { minLength: 1, maxLength: 12 }), (sizes) => {
        const message = sealedMessage(sizes);
        const opened = openMessage(message.key, message.messageId, message.chunks);
        // Hex keeps the comparison fast; deep equality walks every byte through the matcher.
        expect(opened.map(toHex)).toEqual(message.plaintexts.map(toHex));
      }),
      runs(60),
    );
  });
});

describe('tamper matrix', () => {
  it('rejects a flipped bit anywhere in any chunk with CHUNK_AUTH_FAILED naming that chunk (property)', () => {
    const message = sealedMessage();
    fc.assert(
      fc.property(fc.nat({ max: message.chunks.length - 1 }), fc.nat(), (position, bitSeed) => {
        const tampered = message.chunks.map((chunk) =>
          chunk.index === position
            ? { ...chunk, data: flipBit(chunk.data, bitSeed % (chunk.data.length * 8)) }
            : chunk,
        );
        const error = rejection(() => openMessage(message.key, message.messageId, tampered));
        expect(error.code).toBe('CHUNK_AUTH_FAILED');
        expect(error.chunkIndex).toBe(position);
        expect(error.message).toContain(`chunk ${position} failed authentication`);
      }),
      runs(300),
    );
  });

  const other = (): Sealed => sealedMessage();
  const cases: {
    name: string;
    code: MessageCryptoErrorCode;
    chunkIndex: number | null;
    message: RegExp;
    run: (m: Sealed) => unknown;
  }[] = [
    {
      name: 'two chunks swapped in the list',
      code: 'CHUNK_OUT_OF_ORDER',
      chunkIndex: 2,
      message: /chunk 2 is at position 1: chunks must be sorted/,
      run: (m) => {
        const [c0, c1, c2, ...rest] = m.chunks;
        return openMessage(
          m.key,
          m.messageId,
          [c0, c2, c1, ...rest].filter((c) => c !== undefined),
        );
      },
    },
    {
      name: 'two chunks swapped under each other’s index',
      code: 'CHUNK_AUTH_FAILED',
      chunkIndex: 1,
      message: /chunk 1 failed authentication/,
      run: (m) => {
        const swapped = m.chunks.map((chunk) => {
          const source = chunk.index === 1 ? m.chunks[2] : chunk.index === 2 ? m.chunks[1] : chunk;
          return { ...chunk, data: source?.data ?? chunk.data };
        });
        return openMessage(m.key, m.messageId, swapped);
      },
    },
    {
      name: 'last chunk dropped',
      code: 'FINAL_MISSING',
      chunkIndex: 3,
      message: /last chunk \(3\) is not marked final: the message is truncated/,
      run: (m) => openMessage(m.key, m.messageId, m.chunks.slice(0, -1)),
    },
    {
      name: 'last chunk dropped and the new last one relabelled final',
      code: 'CHUNK_AUTH_FAILED',
      chunkIndex: 3,
      message: /chunk 3 failed authentication/,
      run: (m) =>
        openMessage(
          m.key,
          m.messageId,
          m.chunks.slice(0, -1).map((chunk, i, all) => ({ ...chunk, final: i === all.length - 1 })),
        ),
    },
    {
      name: 'final flag stripped from the last chunk',
      code: 'FINAL_MISSING',
      chunkIndex: 4,
      message: /last chunk \(4\) is not marked final/,
      run: (m) =>
        openMessage(
          m.key,
          m.messageId,
          m.chunks.map((chunk) => ({ ...chunk, final: false })),
        ),
    },
    {
      name: 'a non-final chunk marked final',
      code: 'FINAL_NOT_LAST',
      chunkIndex: 1,
      message: /chunk 1 is marked final but is not the last of 5 chunks/,
      run: (m) =>
        openMessage(
          m.key,
          m.messageId,
          m.chunks.map((chunk) => (chunk.index === 1 ? { ...chunk, final: true } : chunk)),
        ),
    },
    {
      name: 'a middle chunk dropped',
      code: 'CHUNK_MISSING',
      chunkIndex: 2,
      message: /chunk 2 is missing/,
      run: (m) =>
        openMessage(
          m.key,
          m.messageId,
          m.chunks.filter((chunk) => chunk.index !== 2),
        ),
    },
    {
      name: 'no chunks at all',
      code: 'CHUNK_MISSING',
      chunkIndex: 0,
      message: /chunk 0 is missing: the message has no chunks/,
      run: (m) => openMessage(m.key, m.messageId, []),
    },
    {
      name: 'a chunk delivered twice',
      code: 'CHUNK_DUPLICATE',
      chunkIndex: 1,
      message: /chunk 1 appears more than once/,
      run: (m) => openMessage(m.key, m.messageId, [...m.chunks.slice(0, 2), ...m.chunks.slice(1)]),
    },
    {
      name: 'a chunk spliced from another message under the same key',
      code: 'CHUNK_AUTH_FAILED',
      chunkIndex: 2,
      message: /chunk 2 failed authentication/,
      run: (m) => {
        const donor = sealedMessage([10, 10, 10, 10, 10], m.key);
        return openMessage(
          m.key,
          m.messageId,
          m.chunks.map((chunk) => (chunk.index === 2 ? (donor.chunks[2] ?? chunk) : chunk)),
        );
      },
    },
    {
      name: 'a chunk spliced from another message under another key',
      code: 'CHUNK_AUTH_FAILED',
      chunkIndex: 2,
      message: /chunk 2 failed authentication/,
      run: (m) => {
        const donor = other();
        return openMessage(
          m.key,
          m.messageId,
          m.chunks.map((chunk) => (chunk.index === 2 ? (donor.chunks[2] ?? chunk) : chunk)),
        );
      },
    },
    {
      name: 'a whole message replayed under another message id',
      code: 'CHUNK_AUTH_FAILED',
      chunkIndex: 0,
      message: /chunk 0 failed authentication/,
      run: (m) => openMessage(m.key, randomMessageId(), m.chunks),
    },
    {
      name: 'one chunk replayed under another message id',
      code: 'CHUNK_AUTH_FAILED',
      chunkIndex: 0,
      message: /chunk 0 failed authentication/,
      run: (m) => {
        const first = m.chunks[0];
        if (first === undefined) throw new Error('fixture has no chunks');
        return openChunk(m.key, randomMessageId(), 0, false, first.data);
      },
    },
    {
      name: 'sealed metadata says another chunk count',
      code: 'CHUNK_COUNT_MISMATCH',
      chunkIndex: null,
      message: /sender sealed 5 chunks but the message has 4/,
      run: (m) => {
        const metadata = openMetadata(m.key, m.messageId, sealMetadata(m.key, m.messageId, sampleMetadata()));
        assertChunkCount(metadata, 4);
      },
    },
    {
      name: 'metadata with a flipped bit',
      code: 'METADATA_AUTH_FAILED',
      chunkIndex: null,
      message: /metadata failed authentication/,
      run: (m) =>
        openMetadata(m.key, m.messageId, flipBit(sealMetadata(m.key, m.messageId, sampleMetadata()), 300)),
    },
    {
      name: 'metadata replayed under another message id',
      code: 'METADATA_AUTH_FAILED',
      chunkIndex: null,
      message: /metadata failed authentication/,
      run: (m) => openMetadata(m.key, randomMessageId(), sealMetadata(m.key, m.messageId, sampleMetadata())),
    },
    {
      name: 'authentic metadata in an unknown format version',
      code: 'METADATA_INVALID',
      chunkIndex: null,
      message: /metadata is invalid: unsupported version 2/,
      run: (m) => {
        const plain = encodeMetadata(sampleMetadata());
        plain[0] = 2;
        return openMetadata(m.key, m.messageId, sealRawMetadata(m.key, m.messageId, plain));
      },
    },
    {
      name: 'a wrap made by a different sender',
      code: 'WRAP_AUTH_FAILED',
      chunkIndex: null,
      message: /not made by the claimed sender/,
      run: (m) => {
        const [sender, recipient, impostor] = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
        const wrapped = wrapKey(m.key, m.messageId, impostor, asDeviceKey(recipient.publicKey));
        return unwrapKey(wrapped, m.messageId, asDeviceKey(sender.publicKey), recipient);
      },
    },
    {
      name: 'a wrap replayed under another message id',
      code: 'WRAP_WRONG_MESSAGE',
      chunkIndex: null,
      message: /made for a different message id/,
      run: (m) => {
        const [sender, recipient] = [generateKeyPair(), generateKeyPair()];
        const wrapped = wrapKey(m.key, m.messageId, sender, asDeviceKey(recipient.publicKey));
        return unwrapKey(wrapped, randomMessageId(), asDeviceKey(sender.publicKey), recipient);
      },
    },
    {
      name: 'an authentic wrap in an unknown version',
      code: 'WRAP_INVALID',
      chunkIndex: null,
      message: /unsupported message key wrap \(version 2/,
      run: (m) => {
        const [sender, recipient] = [generateKeyPair(), generateKeyPair()];
        const nonce = sodium.randombytes_buf(24);
        const plaintext = new Uint8Array([2, ...m.messageId, ...sender.publicKey, ...m.key]);
        const box = sodium.crypto_box_easy(plaintext, nonce, recipient.publicKey, sender.privateKey);
        return unwrapKey(
          new Uint8Array([...nonce, ...box]),
          m.messageId,
          asDeviceKey(sender.publicKey),
          recipient,
        );
      },
    },
  ];

  it.each(cases)('rejects $name with $code', ({ code, chunkIndex, message, run }) => {
    const error = rejection(() => run(sealedMessage()));
    expect(error).toBeInstanceOf(MessageCryptoError);
    expect(error.name).toBe('MessageCryptoError');
    expect(error.code).toBe(code);
    expect(error.chunkIndex).toBe(chunkIndex);
    expect(error.message).toMatch(message);
  });

  it('reaches every error code from at least one case', () => {
    const all: Record<MessageCryptoErrorCode, true> = {
      CHUNK_AUTH_FAILED: true,
      CHUNK_MISSING: true,
      CHUNK_DUPLICATE: true,
      CHUNK_OUT_OF_ORDER: true,
      FINAL_MISSING: true,
      FINAL_NOT_LAST: true,
      CHUNK_COUNT_MISMATCH: true,
      METADATA_AUTH_FAILED: true,
      METADATA_INVALID: true,
      WRAP_AUTH_FAILED: true,
      WRAP_WRONG_MESSAGE: true,
      WRAP_INVALID: true,
    };
    expect(new Set(cases.map((c) => c.code))).toEqual(new Set(Object.keys(all)));
  });

  it('rejects an index that is not a u32 with a TypeError naming the position', () => {
    const message = sealedMessage([1, 1]);
    const bad = [message.chunks[0], { index: -1, final: true, data: new Uint8Array(16) }].filter(
      (chunk) => chunk !== undefined,
    );
    expect(() => openMessage(message.key, message.messageId, bad)).toThrow(/chunks\[1\]\.index/);
  });
});

/** Seals arbitrary metadata plaintext with the documented nonce ‖ ciphertext layout and AD, by hand. */
function sealRawMetadata(key: MessageKey, messageId: MessageId, plaintext: Uint8Array): Uint8Array {
  const nonce = sodium.randombytes_buf(24);
  const ad = fromHex(METADATA_AD_LABEL_HEX + toHex(messageId));
  const ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key);
  return new Uint8Array([...nonce, ...ciphertext]);
}

describe('metadata', () => {
  it('round-trips every field and stays far below MAX_METADATA_BYTES', () => {
    const key = newMessageKey();
    const messageId = randomMessageId();
    const metadata = sampleMetadata();
    const sealed = sealMetadata(key, messageId, metadata);
    expect(sealed.length).toBe(24 + 39 + 100 + 16);
    expect(openMetadata(key, messageId, sealed)).toEqual(metadata);
    expect(sealMetadata(key, messageId, metadata)).not.toEqual(sealed);
  });

  it('serialises the documented version-1 layout and uses AD = "sotto-meta" ‖ messageId', () => {
    const key = newMessageKey();
    const messageId = randomMessageId();
    const metadata: MessageMetadata = {
      codec: 'opus',
      sampleRate: 48_000,
      durationMs: 1_500,
      waveform: [0, 128, 255],
      conversationId: asConversationId(fromHex('101112131415161718191a1b1c1d1e1f')),
      sentAtMs: 0x0123_4567_89ab,
      chunkCount: 2,
    };
    const layout =
      '01' +
      '01' +
      '80bb0000' +
      'dc050000' +
      '101112131415161718191a1b1c1d1e1f' +
      'ab89674523010000' +
      '02000000' +
      '03' +
      '0080ff';
    expect(toHex(encodeMetadata(metadata))).toBe(layout);
    const sealed = sealMetadata(key, messageId, metadata);
    const opened = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      sealed.subarray(24),
      fromHex('736f74746f2d6d657461' + toHex(messageId)),
      sealed.subarray(0, 24),
      key,
    );
    expect(toHex(opened)).toBe(layout);
  });

  it('round-trips the extremes: empty waveform, sentAtMs = MAX_SAFE_INTEGER, 1,860 chunks', () => {
    const key = newMessageKey();
    const messageId = randomMessageId();
    const metadata = {
      ...sampleMetadata(),
      waveform: [],
      sentAtMs: Number.MAX_SAFE_INTEGER,
      chunkCount: 1_860,
      durationMs: 0,
    };
    expect(openMetadata(key, messageId, sealMetadata(key, messageId, metadata))).toEqual(metadata);
  });

  it.each([
    ['sampleRate', { sampleRate: 0 }],
    ['durationMs', { durationMs: -1 }],
    ['waveform', { waveform: new Array<number>(101).fill(0) }],
    ['waveform[2]', { waveform: [1, 2, 256] }],
    ['conversationId', { conversationId: new Uint8Array(15) }],
    ['sentAtMs', { sentAtMs: 1.5 }],
    ['chunkCount', { chunkCount: 0 }],
    ['codec', { codec: 'vorbis' }],
  ])('refuses to seal invalid %s with a TypeError naming it', (field, change) => {
    const metadata = { ...sampleMetadata(), ...change } as MessageMetadata;
    expect(() => sealMetadata(newMessageKey(), randomMessageId(), metadata)).toThrow(
      new RegExp(`^metadata\\.${field.replace(/[[\]]/g, '\\$&')} `),
    );
  });

  it.each([
    [
      'a waveform length that disagrees with the size',
      (b: Uint8Array) => b.subarray(0, b.length - 1),
      /bytes for a waveform of 100/,
    ],
    ['an unknown codec', (b: Uint8Array) => b.map((v, i) => (i === 1 ? 9 : v)), /unknown codec 9/],
    ['zero chunks', (b: Uint8Array) => b.map((v, i) => (i >= 34 && i < 38 ? 0 : v)), /chunkCount/],
    ['sentAtMs above 2^53', (b: Uint8Array) => b.map((v, i) => (i === 33 ? 0xff : v)), /sentAtMs/],
    ['a truncated header', (b: Uint8Array) => b.subarray(0, 20), /shorter than the 39-byte header/],
  ])('rejects authentic metadata with %s as METADATA_INVALID', (_name, mutate, reason) => {
    const key = newMessageKey();
    const messageId = randomMessageId();
    const sealed = sealRawMetadata(key, messageId, mutate(encodeMetadata(sampleMetadata())));
    const error = rejection(() => openMetadata(key, messageId, sealed));
    expect(error.code).toBe('METADATA_INVALID');
    expect(error.message).toMatch(reason);
  });

  it('rejects a flipped bit anywhere, a wrong key and truncation with METADATA_AUTH_FAILED (property)', () => {
    const key = newMessageKey();
    const messageId = randomMessageId();
    const sealed = sealMetadata(key, messageId, sampleMetadata());
    fc.assert(
      fc.property(fc.nat({ max: sealed.length * 8 - 1 }), (bit) => {
        expect(rejection(() => openMetadata(key, messageId, flipBit(sealed, bit))).code).toBe(
          'METADATA_AUTH_FAILED',
        );
      }),
      runs(200),
    );
    expect(rejection(() => openMetadata(newMessageKey(), messageId, sealed)).code).toBe(
      'METADATA_AUTH_FAILED',
    );
    expect(rejection(() => openMetadata(key, messageId, sealed.subarray(0, 39))).code).toBe(
      'METADATA_AUTH_FAILED',
    );
  });

  it('never throws from the format decoder on random bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const result = decodeMetadata(bytes);
        if (result.ok) expect(toHex(encodeMetadata(result.metadata))).toBe(toHex(bytes));
      }),
      runs(500),
    );
  });
});

describe('key wraps', () => {
  it('round-trips between two devices and to the sender’s own device', () => {
    const key = newMessageKey();
    const messageId = randomMessageId();
    const sender = generateKeyPair();
    const recipient = generateKeyPair();
    const forRecipient = wrapKey(key, messageId, sender, asDeviceKey(recipient.publicKey));
    const forSelf = wrapKey(key, messageId, sender, asDeviceKey(sender.publicKey));
    expect(unwrapKey(forRecipient, messageId, asDeviceKey(sender.publicKey), recipient)).toEqual(key);
    expect(unwrapKey(forSelf, messageId, asDeviceKey(sender.publicKey), sender)).toEqual(key);
  });

  it(`is ${WRAPPED_KEY_BYTES} bytes, within the ${MAX_WRAP_IN_FULL_BEGIN_BYTES} a full begin frame allows`, () => {
    const sender = generateKeyPair();
    const wrapped = wrapKey(
      newMessageKey(),
      randomMessageId(),
      sender,
      asDeviceKey(generateKeyPair().publicKey),
    );
    expect(wrapped.length).toBe(WRAPPED_KEY_BYTES);
    expect(WRAPPED_KEY_BYTES).toBeLessThanOrEqual(MAX_WRAP_IN_FULL_BEGIN_BYTES);
    expect(WRAPPED_KEY_BYTES).toBeLessThanOrEqual(MAX_WRAPPED_KEY_BYTES);
  });

  it('is nonce ‖ crypto_box(version 1 ‖ messageId ‖ sender key ‖ message key), with a fresh nonce each time', () => {
    const key = newMessageKey();
    const messageId = randomMessageId();
    const sender = generateKeyPair();
    const recipient = generateKeyPair();
    const wrapped = wrapKey(key, messageId, sender, asDeviceKey(recipient.publicKey));
    const opened = sodium.crypto_box_open_easy(
      wrapped.subarray(24),
      wrapped.subarray(0, 24),
      sender.publicKey,
      recipient.privateKey,
    );
    expect(toHex(opened)).toBe('01' + toHex(messageId) + toHex(sender.publicKey) + toHex(key));
    const again = wrapKey(key, messageId, sender, asDeviceKey(recipient.publicKey));
    expect(toHex(again.subarray(0, 24))).not.toBe(toHex(wrapped.subarray(0, 24)));
  });

  it('rejects a reflected wrap (made by A for B, shown to A as from B) with WRAP_AUTH_FAILED', () => {
    const key = newMessageKey();
    const messageId = randomMessageId();
    const alice = generateKeyPair();
    const bob = generateKeyPair();
    const aliceToBob = wrapKey(key, messageId, alice, asDeviceKey(bob.publicKey));
    const error = rejection(() => unwrapKey(aliceToBob, messageId, asDeviceKey(bob.publicKey), alice));
    expect(error.code).toBe('WRAP_AUTH_FAILED');
  });

  it('rejects a wrap for another device, a flipped bit and truncation with WRAP_AUTH_FAILED (property)', () => {
    const key = newMessageKey();
    const messageId = randomMessageId();
    const sender = generateKeyPair();
    const recipient = generateKeyPair();
    const senderKey = asDeviceKey(sender.publicKey);
    const wrapped = wrapKey(key, messageId, sender, asDeviceKey(recipient.publicKey));
    expect(rejection(() => unwrapKey(wrapped, messageId, senderKey, generateKeyPair())).code).toBe(
      'WRAP_AUTH_FAILED',
    );
    expect(rejection(() => unwrapKey(wrapped.subarray(0, 39), messageId, senderKey, recipient)).code).toBe(
      'WRAP_AUTH_FAILED',
    );
    fc.assert(
      fc.property(fc.nat({ max: wrapped.length * 8 - 1 }), (bit) => {
        expect(rejection(() => unwrapKey(flipBit(wrapped, bit), messageId, senderKey, recipient)).code).toBe(
          'WRAP_AUTH_FAILED',
        );
      }),
      runs(200),
    );
  });

  it('refuses to wrap for an unusable (all-zero) recipient key with a TypeError', () => {
    expect(() =>
      wrapKey(newMessageKey(), randomMessageId(), generateKeyPair(), asDeviceKey(new Uint8Array(32))),
    ).toThrow(/recipient is not a usable X25519 public key/);
  });

  it('treats an all-zero claimed sender as not the sender', () => {
    const recipient = generateKeyPair();
    const messageId = randomMessageId();
    const wrapped = wrapKey(newMessageKey(), messageId, generateKeyPair(), asDeviceKey(recipient.publicKey));
    expect(
      rejection(() => unwrapKey(wrapped, messageId, asDeviceKey(new Uint8Array(32)), recipient)).code,
    ).toBe('WRAP_AUTH_FAILED');
  });
});

describe('message keys', () => {
  it('are 32 random bytes', () => {
    const a = newMessageKey();
    expect(a.length).toBe(32);
    expect(toHex(a)).not.toBe(toHex(newMessageKey()));
    expect(() => asMessageKey(new Uint8Array(31))).toThrow(/messageKey must be 32 bytes/);
  });
});
