import { describe, expect, it } from 'vitest';
import { newMessageKey } from '../../../../src/shared/crypto/message-crypto';
import { SodiumError, assertSodiumReady, sodiumReady } from '../../../../src/shared/crypto/sodium';
import { generateKeyPair } from '../../../../src/shared/crypto/noise';

// Vitest runs each file in its own module graph, so libsodium starts unloaded here.
describe('sodiumReady', () => {
  it('reports SODIUM_NOT_READY before loading, then loads once and readies Noise too', async () => {
    expect(() => {
      assertSodiumReady();
    }).toThrow(SodiumError);
    expect(() => newMessageKey()).toThrow(/await sodiumReady\(\)/);
    const first = sodiumReady();
    expect(sodiumReady()).toBe(first);
    await first;
    await sodiumReady();
    expect(() => {
      assertSodiumReady();
    }).not.toThrow();
    expect(newMessageKey()).toHaveLength(32);
    expect(generateKeyPair().publicKey).toHaveLength(32);
  });
});
