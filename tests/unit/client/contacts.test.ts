import { beforeAll, describe, expect, it } from 'vitest';
import { directConversationId, serverOrigin, relayUrl } from '../../../src/client';
import { generateKeyPair } from '../../../src/shared/crypto/noise';
import { sodiumReady } from '../../../src/shared/crypto/sodium';
import { asDeviceKey, toHex } from '../../../src/shared/protocol';

beforeAll(async () => {
  await sodiumReady();
});

describe('1:1 conversation ids', () => {
  it('are the same from both sides and differ for every other pair', () => {
    const alice = generateKeyPair();
    const bob = generateKeyPair();
    const carol = generateKeyPair();
    const ab = directConversationId(alice, asDeviceKey(bob.publicKey));
    expect(ab).toHaveLength(16);
    expect(toHex(directConversationId(bob, asDeviceKey(alice.publicKey)))).toBe(toHex(ab));
    expect(toHex(directConversationId(alice, asDeviceKey(carol.publicKey)))).not.toBe(toHex(ab));
    expect(toHex(directConversationId(carol, asDeviceKey(bob.publicKey)))).not.toBe(toHex(ab));
  });
});

describe('server URLs', () => {
  it('reduces a server URL to its origin and derives the relay URL', () => {
    expect(serverOrigin('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
    expect(serverOrigin('HTTPS://Example.org/some/path?x')).toBe('https://example.org');
    expect(serverOrigin('ws://localhost:1234/ws')).toBe('http://localhost:1234');
    expect(relayUrl('https://example.org')).toBe('wss://example.org/ws');
    expect(relayUrl('http://127.0.0.1:8080')).toBe('ws://127.0.0.1:8080/ws');
    expect(() => serverOrigin('ftp://x')).toThrow(TypeError);
    expect(() => serverOrigin('localhost:8080')).toThrow(/http/);
  });
});
