// An ACK means the chunk is durable: SIGKILL the server right after ACKs arrive, restart it on the
// same data directory, and every acknowledged chunk is there, byte for byte.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { asChunkIndex } from '../../../../src/shared/protocol';
import { newConversationId, newMessageId } from '../../../helpers/ids';
import { RelayClient } from '../../../helpers/relay-client';
import { startServer, type TestServer } from '../../../helpers/server';

describe('durability across SIGKILL', () => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
    const dataDir = servers[0]?.dataDir;
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every ACKed chunk and the server key', async () => {
    const first = await startServer();
    servers.push(first);
    const alice = await RelayClient.connect(first.url);
    const bob = await RelayClient.connect(first.url);
    const conversationId = newConversationId();
    await alice.request({ type: 'createConversation', conversationId, members: [bob.deviceKey] });
    const messageId = newMessageId();
    await alice.request({ type: 'begin', messageId, conversationId, wraps: [] });
    const chunks = Array.from({ length: 40 }, () => new Uint8Array(randomBytes(3000)));
    // Pipeline all chunks; kill the moment the 25th ACK arrives, with more in flight.
    let acked = 0;
    const killedAfter = new Promise<number>((resolve) => {
      chunks.forEach((data, i) => {
        alice
          .pipeline({
            type: 'chunk',
            messageId,
            index: asChunkIndex(i),
            final: i === chunks.length - 1,
            data,
          })
          .then((ack) => {
            acked = Math.max(acked, ack.nextIndex);
            if (acked >= 25) resolve(acked);
          })
          .catch(() => undefined);
      });
    });
    const ackedBeforeKill = await killedAfter;
    await first.kill();
    await Promise.all([alice.closed, bob.closed]);

    const second = await startServer({ dataDir: first.dataDir });
    servers.push(second);
    const alice2 = await RelayClient.connect(second.url, { keyPair: alice.keyPair });
    expect(alice2.serverKey).toEqual(alice.serverKey);
    const state = await alice2.request({ type: 'resume', messageId });
    expect(state.state).toBe('uploading');
    expect(state.nextIndex).toBeGreaterThanOrEqual(ackedBeforeKill);
    for (let i = state.nextIndex; i < chunks.length; i++) {
      await alice2.request({
        type: 'chunk',
        messageId,
        index: asChunkIndex(i),
        final: i === chunks.length - 1,
        data: chunks[i] ?? new Uint8Array(),
      });
    }
    await alice2.request({
      type: 'commit',
      messageId,
      chunkCount: chunks.length,
      metadata: new Uint8Array(0),
    });
    const bob2 = await RelayClient.connect(second.url, { keyPair: bob.keyPair });
    const fetched = await bob2.fetch(messageId);
    expect(fetched.chunks).toHaveLength(chunks.length);
    fetched.chunks.forEach((c, i) => {
      expect(Buffer.from(c.data).equals(Buffer.from(chunks[i] ?? []))).toBe(true);
    });
    await Promise.all([alice2.close(), bob2.close()]);
  });
});
