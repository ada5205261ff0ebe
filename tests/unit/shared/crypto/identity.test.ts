import { createHash } from 'node:crypto';
import fc from 'fast-check';
import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  IdentityError,
  MAX_INVITE_NAME_BYTES,
  SAFETY_NUMBER_ITERATIONS,
  decodeInvite,
  encodeInvite,
  inviteLink,
  safetyNumber,
} from '../../../../src/shared/crypto/identity';
import { sodiumReady } from '../../../../src/shared/crypto/sodium';
import { asDeviceKey, fromHex } from '../../../../src/shared/protocol/ids';
import type { DeviceKey } from '../../../../src/shared/protocol/ids';
import { runs } from './seed';

beforeAll(async () => {
  await sodiumReady();
});

function randomKey(): DeviceKey {
  return asDeviceKey(sodium.randombytes_buf(32));
}

/** The documented construction, reimplemented with Node's own BLAKE2b-512 as an independent check. */
function referenceFingerprint(key: Uint8Array): string {
  let digest = createHash('blake2b512').update('sotto-safety-number-v1').update(key).digest();
  for (let i = 0; i < 5200; i++) digest = createHash('blake2b512').update(digest).update(key).digest();
  const groups: string[] = [];
  for (let group = 0; group < 6; group++) {
    groups.push((digest.readUIntBE(group * 5, 5) % 100_000).toString().padStart(5, '0'));
  }
  return groups.join(' ');
}

/** The IdentityError `run` throws; fails the test if it returns or throws something else. */
function rejection(run: () => unknown): IdentityError {
  try {
    run();
  } catch (error) {
    if (error instanceof IdentityError) return error;
    throw error;
  }
  throw new Error('expected an IdentityError, but the call succeeded');
}

describe('safetyNumber', () => {
  const low = asDeviceKey(fromHex('00'.repeat(31) + '01'));
  const high = asDeviceKey(fromHex('ff'.repeat(32)));

  it('is 60 digits in 12 groups of 5 and the same from either side', () => {
    const a = randomKey();
    const b = randomKey();
    const number = safetyNumber(a, b);
    expect(number).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect(number.replace(/ /g, '')).toHaveLength(60);
    expect(safetyNumber(b, a)).toBe(number);
  });

  it(`matches the documented construction (${SAFETY_NUMBER_ITERATIONS} BLAKE2b-512 iterations, lower key first)`, () => {
    expect(SAFETY_NUMBER_ITERATIONS).toBe(5200);
    const expected = `${referenceFingerprint(low)} ${referenceFingerprint(high)}`;
    expect(safetyNumber(high, low)).toBe(expected);
    expect(safetyNumber(low, high)).toBe(expected);
    const a = randomKey();
    const b = randomKey();
    const [first, second] = Buffer.compare(a, b) <= 0 ? [a, b] : [b, a];
    expect(safetyNumber(a, b)).toBe(`${referenceFingerprint(first)} ${referenceFingerprint(second)}`);
  });

  it('changes when either key changes, even by one bit', () => {
    const a = randomKey();
    const b = randomKey();
    const number = safetyNumber(a, b);
    const aFlipped = asDeviceKey(new Uint8Array(a));
    aFlipped[31] = (aFlipped[31] ?? 0) ^ 1;
    const bFlipped = asDeviceKey(new Uint8Array(b));
    bFlipped[0] = (bFlipped[0] ?? 0) ^ 0x80;
    expect(safetyNumber(aFlipped, b)).not.toBe(number);
    expect(safetyNumber(a, bFlipped)).not.toBe(number);
    expect(safetyNumber(a, randomKey())).not.toBe(number);
  });

  it('rejects a key of the wrong length with a TypeError', () => {
    expect(() => safetyNumber(new Uint8Array(31) as DeviceKey, randomKey())).toThrow(/a must be a 32-byte/);
  });
});

describe('invites', () => {
  it('round-trips a key and a name, including non-ASCII and empty names', () => {
    for (const name of ['Alice', '', 'Zoë 🎙️ 東京', 'x'.repeat(MAX_INVITE_NAME_BYTES)]) {
      const publicKey = randomKey();
      const code = encodeInvite({ publicKey, name });
      expect(code).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeInvite(code)).toEqual({ publicKey, name });
    }
  });

  it('round-trips any key and any name of at most 64 UTF-8 bytes (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.string({ unit: 'grapheme', maxLength: 16 }),
        (key, name) => {
          fc.pre(new TextEncoder().encode(name).length <= MAX_INVITE_NAME_BYTES);
          const publicKey = asDeviceKey(key);
          expect(decodeInvite(encodeInvite({ publicKey, name }))).toEqual({ publicKey, name });
        },
      ),
      runs(200),
    );
  });

  it('refuses names over 64 UTF-8 bytes and lone surrogates with a TypeError', () => {
    const publicKey = randomKey();
    expect(() => encodeInvite({ publicKey, name: 'é'.repeat(33) })).toThrow(/at most 64 bytes/);
    expect(() => encodeInvite({ publicKey, name: 'a\ud800b' })).toThrow(/lone surrogate/);
  });

  it('builds the hash-route link and decodes it back, with or without a trailing slash on the origin', () => {
    const invite = { publicKey: randomKey(), name: 'Bob' };
    const code = encodeInvite(invite);
    const link = inviteLink('https://sotto.example', code);
    expect(link).toBe(`https://sotto.example/#/invite/${code}`);
    expect(inviteLink('https://sotto.example/', code)).toBe(link);
    expect(decodeInvite(link)).toEqual(invite);
    expect(decodeInvite(`  ${link}/\n`)).toEqual(invite);
    expect(decodeInvite(`http://127.0.0.1:8080/#/invite/${code.slice(0, 10)}\n${code.slice(10)}`)).toEqual(
      invite,
    );
    expect(() => inviteLink('https://sotto.example', 'not a code')).toThrow(TypeError);
  });

  it('detects every single-character corruption of a code with INVITE_INVALID', () => {
    const code = encodeInvite({ publicKey: randomKey(), name: 'Carol' });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < code.length; i++) {
      const original = code[i] ?? '';
      const replacement = alphabet[(alphabet.indexOf(original) + 1 + (i % 63)) % 64] ?? 'A';
      const corrupted = code.slice(0, i) + replacement + code.slice(i + 1);
      const error = rejection(() => decodeInvite(corrupted));
      expect(error.code).toBe('INVITE_INVALID');
      expect(error.name).toBe('IdentityError');
    }
  });

  it.each([
    [
      'a checksum mismatch',
      (code: string) => code.slice(0, 5) + (code[5] === 'A' ? 'B' : 'A') + code.slice(6),
      /damaged \(checksum mismatch\)/,
    ],
    ['a truncated code', (code: string) => code.slice(0, -4), /damaged|wrong length/],
    ['an empty string', () => '', /invite is empty/],
    ['a link without a code', () => 'https://sotto.example/#/invite/', /invite is empty/],
    ['foreign characters', (code: string) => `${code}!`, /characters an invite never contains/],
    ['a code that is too short', () => 'AAAA', /wrong length/],
  ])('rejects %s with INVITE_INVALID and a clear message', (_name, corrupt, message) => {
    const code = encodeInvite({ publicKey: randomKey(), name: 'Dave' });
    const error = rejection(() => decodeInvite(corrupt(code)));
    expect(error.code).toBe('INVITE_INVALID');
    expect(error.message).toMatch(message);
  });

  it('rejects an intact invite of an unknown version', () => {
    const body = new Uint8Array([2, ...randomKey(), 0x45]);
    const checksum = sodium
      .crypto_generichash(16, new Uint8Array([...new TextEncoder().encode('sotto-invite-v1'), ...body]), null)
      .subarray(0, 4);
    const code = sodium.to_base64(
      new Uint8Array([...body, ...checksum]),
      sodium.base64_variants.URLSAFE_NO_PADDING,
    );
    expect(rejection(() => decodeInvite(code)).message).toMatch(/unknown version 2/);
  });

  it('uses a 4-byte BLAKE2b-128 checksum over "sotto-invite-v1" ‖ version ‖ key ‖ name', () => {
    const publicKey = randomKey();
    const bytes = sodium.from_base64(
      encodeInvite({ publicKey, name: 'Eve' }),
      sodium.base64_variants.URLSAFE_NO_PADDING,
    );
    const body = new Uint8Array([1, ...publicKey, ...new TextEncoder().encode('Eve')]);
    const checksum = sodium
      .crypto_generichash(16, new Uint8Array([...new TextEncoder().encode('sotto-invite-v1'), ...body]), null)
      .subarray(0, 4);
    expect(bytes).toEqual(new Uint8Array([...body, ...checksum]));
  });
});
