// Garbage, oversize frames, floods and slow peers: each gets its error code, and the server keeps
// serving everyone else.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandshake, generateKeyPair, initNoise } from '../../../../src/shared/crypto/noise';
import { limitsFromEnv } from '../../../../src/node/server/limits';
import {
  MAX_CHUNK_BYTES,
  PROTOCOL_VERSION,
  asChunkIndex,
  asCursor,
  encodeFrame,
} from '../../../../src/shared/protocol';
import { NOISE_PROLOGUE } from '../../../../src/shared/protocol/handshake';
import { newConversationId, newMessageId } from '../../../helpers/ids';
import { RelayClient, closeOf, nextMessage, openSocket } from '../../../helpers/relay-client';
import { startInProcess, type InProcessServer } from '../../../helpers/relay-server';

let server: InProcessServer;
let healthy: RelayClient;

beforeAll(async () => {
  server = await startInProcess({
    SOTTO_RATE_FRAMES_PER_S: '20',
    SOTTO_RATE_FRAME_BURST: '40',
    SOTTO_HANDSHAKE_TIMEOUT_MS: '300',
    SOTTO_MAX_CONNECTIONS_PER_IP: '12',
  });
  healthy = await RelayClient.connect(server.url, { deviceName: 'bystander' });
});
afterAll(async () => {
  await healthy.close();
  await server.dispose();
});

/** The bystander can still do a full round trip: the server is unaffected. */
async function expectServerStillServes(): Promise<void> {
  const nonce = Math.floor(Math.random() * 1e6);
  expect((await healthy.request({ type: 'ping', nonce })).nonce).toBe(nonce);
  const fresh = await RelayClient.connect(server.url);
  const conversationId = newConversationId();
  await fresh.request({ type: 'createConversation', conversationId, members: [] });
  const messageId = newMessageId();
  await fresh.request({ type: 'begin', messageId, conversationId, wraps: [] });
  const ack = await fresh.request({
    type: 'chunk',
    messageId,
    index: 0 as never,
    final: true,
    data: new Uint8Array(100),
  });
  expect(ack.nextIndex).toBe(1);
  await fresh.close();
}

/** Opens a socket and completes the handshake by hand, returning the transport ciphers. */
async function handshaken() {
  await initNoise();
  const ws = await openSocket(server.url);
  const hs = createHandshake({
    pattern: 'XX',
    initiator: true,
    prologue: NOISE_PROLOGUE,
    staticKeyPair: generateKeyPair(),
  });
  ws.send(hs.writeMessage(new Uint8Array(0)));
  hs.readMessage(await nextMessage(ws));
  ws.send(hs.writeMessage(new Uint8Array(0)));
  return { ws, ciphers: hs.split() };
}

describe('garbage around the handshake', () => {
  it.each([
    ['10 random bytes', 10],
    ['100 random bytes (a first message with a payload)', 100],
  ])('%s before the handshake close with HANDSHAKE_FAILED', async (_name, size) => {
    const ws = await openSocket(server.url);
    const closed = closeOf(ws);
    ws.send(randomBytes(size));
    expect(await closed).toEqual({ code: 1008, reason: 'HANDSHAKE_FAILED' });
    await expectServerStillServes();
  });

  it('random bytes as the third handshake message close with HANDSHAKE_FAILED', async () => {
    await initNoise();
    const ws = await openSocket(server.url);
    const closed = closeOf(ws);
    const hs = createHandshake({
      pattern: 'XX',
      initiator: true,
      prologue: NOISE_PROLOGUE,
      staticKeyPair: generateKeyPair(),
    });
    ws.send(hs.writeMessage(new Uint8Array(0)));
    await nextMessage(ws);
    ws.send(randomBytes(64));
    expect(await closed).toEqual({ code: 1008, reason: 'HANDSHAKE_FAILED' });
    await expectServerStillServes();
  });

  it('random bytes after the handshake close with DECRYPT_FAILED', async () => {
    const { ws } = await handshaken();
    const closed = closeOf(ws);
    ws.send(randomBytes(200));
    expect(await closed).toEqual({ code: 1008, reason: 'DECRYPT_FAILED' });
    await expectServerStillServes();
  });

  it('a peer that never finishes the handshake is closed with HANDSHAKE_TIMEOUT', async () => {
    const ws = await openSocket(server.url);
    expect(await closeOf(ws)).toEqual({ code: 4002, reason: 'HANDSHAKE_TIMEOUT' });
  });

  it('a text message closes with NOT_BINARY', async () => {
    const ws = await openSocket(server.url);
    const closed = closeOf(ws);
    ws.send('hello?');
    expect(await closed).toEqual({ code: 1003, reason: 'NOT_BINARY' });
  });
});

describe('malformed frames inside a valid session', () => {
  it.each([
    ['a wrong protocol version', Uint8Array.of(PROTOCOL_VERSION + 1, 0, 0, 0, 0, 0), 4001, 'BAD_VERSION'],
    ['an unknown frame type', Uint8Array.of(PROTOCOL_VERSION, 250, 1, 0, 0, 0), 1002, 'UNKNOWN_FRAME_TYPE'],
    [
      'a truncated hello',
      encodeFrame({ type: 'hello', requestId: 1 as never, clientVersion: 'x', deviceName: 'y' }).slice(0, 9),
      1002,
      'TRUNCATED',
    ],
  ])('%s gets an error frame and close %i %s', async (_name, plaintext, closeCode, code) => {
    const client = await RelayClient.connect(server.url);
    client.sendPlaintext(plaintext);
    expect(await client.closed).toEqual({ code: closeCode, reason: code });
    expect(client.sessionErrors).toMatchObject([{ type: 'error', code, fatal: true }]);
    await expectServerStillServes();
  });

  it('a request before hello closes with OUT_OF_ORDER', async () => {
    const client = await RelayClient.connect(server.url, { skipHello: true });
    client.sendFrame({ type: 'sync', requestId: 1 as never, after: asCursor(0), limit: 10 });
    expect(await client.closed).toEqual({ code: 1002, reason: 'OUT_OF_ORDER' });
    await expectServerStillServes();
  });

  it('a 10 MB frame is refused by the transport with 1009', async () => {
    const client = await RelayClient.connect(server.url);
    client.ws.send(randomBytes(10 * 1024 * 1024));
    expect((await client.closed).code).toBe(1009);
    await expectServerStillServes();
  });

  it('hundreds of sessions sending random and mutated plaintexts never take the server down', async () => {
    const valid = encodeFrame({ type: 'sync', requestId: 3 as never, after: asCursor(0), limit: 10 });
    for (let i = 0; i < 200; i++) {
      const client = await RelayClient.connect(server.url);
      const mutated =
        i % 2 === 0
          ? new Uint8Array(randomBytes(1 + (i % 90)))
          : Uint8Array.from(valid, (b, j) => (j === i % valid.length ? b ^ (1 + (i % 255)) : b));
      client.sendPlaintext(mutated);
      // Either a valid (mutated) request is answered, or the session is closed with a code.
      const outcome = await Promise.race([
        client.closed,
        new Promise((resolve) => setTimeout(resolve, 50, 'open')),
      ]);
      if (outcome !== 'open') expect((outcome as { reason: string }).reason).toMatch(/^[A-Z_]+$/);
      await client.close();
    }
    await expectServerStillServes();
  });
});

describe('limits', () => {
  it('a flood over the frame rate gets RATE_LIMITED replies and the session survives', async () => {
    const client = await RelayClient.connect(server.url);
    const results = await Promise.allSettled(
      Array.from({ length: 120 }, (_, nonce) => client.pipeline({ type: 'ping', nonce })),
    );
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBeGreaterThan(50);
    for (const r of refused) expect(r.reason).toMatchObject({ code: 'RATE_LIMITED' });
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(35);
    // Tokens refill: after a pause the same session is served again.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await client.request({ type: 'ping', nonce: 1 })).nonce).toBe(1);
    await client.close();
    await expectServerStillServes();
  });

  it('connections over the per-IP limit are closed with TOO_MANY_CONNECTIONS', async () => {
    const clients = await Promise.all(Array.from({ length: 9 }, () => RelayClient.connect(server.url)));
    // The bystander plus these nine: 10 of 12; two more fit, the third is refused.
    const extra = await Promise.all([openSocket(server.url), openSocket(server.url)]);
    const refused = await openSocket(server.url);
    expect(await closeOf(refused)).toEqual({ code: 1013, reason: 'TOO_MANY_CONNECTIONS' });
    for (const ws of extra) ws.close();
    await Promise.all(clients.map((c) => c.close()));
    await expectServerStillServes();
  });
});

describe('idle sessions', () => {
  it('closes a silent session with IDLE_TIMEOUT and keeps one that pings', async () => {
    const idleServer = await startInProcess({ SOTTO_IDLE_TIMEOUT_MS: '1500' });
    try {
      const silent = await RelayClient.connect(idleServer.url);
      const chatty = await RelayClient.connect(idleServer.url);
      const pinger = setInterval(() => {
        chatty.request({ type: 'ping', nonce: 1 }).catch(() => undefined);
      }, 300);
      expect(await silent.closed).toEqual({ code: 4003, reason: 'IDLE_TIMEOUT' });
      clearInterval(pinger);
      expect((await chatty.request({ type: 'ping', nonce: 2 })).nonce).toBe(2);
      await chatty.close();
    } finally {
      await idleServer.dispose();
    }
  });
});

describe('configured limits, through the environment', () => {
  it('refuses chunks over the byte rate, the chunk size and the chunk count with their codes', async () => {
    const strict = await startInProcess({
      SOTTO_RATE_BYTES_PER_S: '10000',
      SOTTO_RATE_BYTE_BURST: '20000',
      SOTTO_MAX_CHUNK_BYTES: '4000',
      SOTTO_MAX_CHUNKS_PER_MESSAGE: '3',
    });
    try {
      const client = await RelayClient.connect(strict.url);
      const conversationId = newConversationId();
      await client.request({ type: 'createConversation', conversationId, members: [] });
      const messageId = newMessageId();
      await client.request({ type: 'begin', messageId, conversationId, wraps: [] });
      const chunk = (index: number, bytes: number) =>
        client.pipeline({
          type: 'chunk',
          messageId,
          index: asChunkIndex(index),
          final: false,
          data: new Uint8Array(randomBytes(bytes)),
        });
      await expect(chunk(0, 4001)).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
      await expect(chunk(3, 100)).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
      // 20 kB of burst: the sixth or seventh 3.9 kB chunk is over the byte budget.
      const repeat = new Uint8Array(randomBytes(3900));
      const flood = await Promise.allSettled(
        Array.from({ length: 10 }, () =>
          client.pipeline({ type: 'chunk', messageId, index: asChunkIndex(0), final: false, data: repeat }),
        ),
      );
      const refused = flood.filter((r) => r.status === 'rejected');
      expect(refused.length).toBeGreaterThanOrEqual(3);
      for (const r of refused) expect(r.reason).toMatchObject({ code: 'RATE_LIMITED' });
      await client.close();
    } finally {
      await strict.dispose();
    }
  });

  it('rejects a malformed or out-of-range limit at start-up, naming the variable', () => {
    expect(() => limitsFromEnv({ SOTTO_RATE_FRAMES_PER_S: 'fast' })).toThrow(/SOTTO_RATE_FRAMES_PER_S/);
    expect(() => limitsFromEnv({ SOTTO_IDLE_TIMEOUT_MS: '-5' })).toThrow(/positive integer/);
    expect(() => limitsFromEnv({ SOTTO_MAX_CHUNK_BYTES: String(MAX_CHUNK_BYTES + 1) })).toThrow(
      /protocol limit/,
    );
    expect(limitsFromEnv({ SOTTO_MAX_IN_FLIGHT_UPLOADS: '2' }).maxInFlightUploads).toBe(2);
  });
});

describe('heartbeats', () => {
  it('terminates a peer that stops answering pings and keeps one that answers', async () => {
    const beating = await startInProcess({ SOTTO_HEARTBEAT_INTERVAL_MS: '150' });
    try {
      const dead = await RelayClient.connect(beating.url);
      const alive = await RelayClient.connect(beating.url);
      // A paused socket reads nothing, so it cannot see the pings, let alone answer them.
      dead.ws.pause();
      await new Promise((resolve) => setTimeout(resolve, 800));
      dead.ws.resume();
      expect((await dead.closed).code).toBe(1006);
      expect((await alive.request({ type: 'ping', nonce: 3 })).nonce).toBe(3);
      await alive.close();
    } finally {
      await beating.dispose();
    }
  });
});
