import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ProtocolError,
  asChunkIndex,
  asCursor,
  toHex,
  type ChunkIndex,
  type MessageId,
} from '../../../../src/shared/protocol';
import { newConversationId, newMessageId } from '../../../helpers/ids';
import { RelayClient, nextPush } from '../../../helpers/relay-client';
import { startInProcess, type InProcessServer } from '../../../helpers/relay-server';

/** 60 chunks of about 3 KB: one second of 24 kbit/s Opus each, sealed. */
function makeChunks(count: number): Uint8Array[] {
  return Array.from(
    { length: count },
    () => new Uint8Array(randomBytes(3000 + Math.floor(Math.random() * 100))),
  );
}

function chunkFrame(messageId: MessageId, chunks: Uint8Array[], index: number) {
  const data = chunks[index];
  if (data === undefined) throw new RangeError(`no chunk ${index}`);
  return {
    type: 'chunk',
    messageId,
    index: asChunkIndex(index),
    final: index === chunks.length - 1,
    data,
  } as const;
}

describe('relay: upload, resume, commit, delivery, receipts', () => {
  let server: InProcessServer;
  beforeAll(async () => {
    server = await startInProcess();
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('delivers a 60-chunk message uploaded out of order with duplicates and a resume', async () => {
    const alice = await RelayClient.connect(server.url, { deviceName: 'alice' });
    const bob = await RelayClient.connect(server.url, { deviceName: 'bob' });
    const mallory = await RelayClient.connect(server.url, { deviceName: 'mallory' });
    const conversationId = newConversationId();
    await alice.request({ type: 'createConversation', conversationId, members: [bob.deviceKey] });

    // Bob is online and synced, so he gets pushes.
    const bobSync = await bob.request({ type: 'sync', after: asCursor(0), limit: 100 });
    expect(bobSync.events.map((e) => e.type)).toEqual(['conversation']);

    const messageId = newMessageId();
    const chunks = makeChunks(60);
    const wraps = [
      { deviceKey: alice.deviceKey, wrapped: new Uint8Array(randomBytes(72)) },
      { deviceKey: bob.deviceKey, wrapped: new Uint8Array(randomBytes(72)) },
    ];
    const begun = await alice.request({ type: 'begin', messageId, conversationId, wraps });
    expect(begun.nextIndex).toBe(0);

    // First 31 chunks (0..30) out of order, with duplicates.
    const order = [
      3, 0, 1, 1, 2, 7, 4, 5, 6, 6, 8, 9, 12, 10, 11, 13, 14, 15, 20, 16, 17, 18, 19, 21, 22, 23, 24, 25, 26,
      27, 28, 29, 30, 0,
    ];
    let nextIndex: ChunkIndex = asChunkIndex(0);
    for (const index of order) {
      const ack = await alice.request(chunkFrame(messageId, chunks, index));
      expect(ack.nextIndex).toBeGreaterThanOrEqual(nextIndex);
      nextIndex = ack.nextIndex;
    }
    expect(nextIndex).toBe(31);

    // Not committed: Mallory cannot see it, Bob cannot fetch it yet.
    await expect(bob.fetch(messageId)).rejects.toMatchObject({ code: 'UNKNOWN_MESSAGE' });

    // Disconnect after chunk 30, reconnect with the same identity and resume.
    await alice.close();
    const alice2 = await RelayClient.connect(server.url, { keyPair: alice.keyPair, deviceName: 'alice' });
    const resume = await alice2.request({ type: 'resume', messageId });
    expect(resume).toMatchObject({ state: 'uploading', nextIndex: 31 });
    const acks = await Promise.all(
      Array.from({ length: 60 - resume.nextIndex }, (_, i) =>
        alice2.pipeline(chunkFrame(messageId, chunks, resume.nextIndex + i)),
      ),
    );
    expect(acks.at(-1)?.nextIndex).toBe(60);

    const pushed = nextPush(bob, (frame) => frame.events.some((e) => e.type === 'message'));
    const metadata = new Uint8Array(randomBytes(200));
    const committed = await alice2.request({ type: 'commit', messageId, chunkCount: 60, metadata });
    const again = await alice2.request({ type: 'commit', messageId, chunkCount: 60, metadata });
    expect(again.committedAtMs).toBe(committed.committedAtMs);

    const event = (await pushed).events.find((e) => e.type === 'message');
    if (event?.type !== 'message') throw new Error('no message event');
    expect(event.chunkCount).toBe(60);
    expect(toHex(event.sender)).toBe(toHex(alice.deviceKey));
    expect(toHex(event.conversationId)).toBe(toHex(conversationId));
    expect(Buffer.from(event.wrap)).toEqual(Buffer.from(wraps[1]?.wrapped ?? []));
    expect(Buffer.from(event.metadata)).toEqual(Buffer.from(metadata));
    expect(event.totalBytes).toBe(chunks.reduce((sum, c) => sum + c.length, 0));

    const fetched = await bob.fetch(messageId);
    expect(fetched.chunkCount).toBe(60);
    expect(fetched.chunks.map((c) => c.index)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    fetched.chunks.forEach((c, i) => {
      expect(Buffer.from(c.data).equals(Buffer.from(chunks[i] ?? []))).toBe(true);
      expect(c.final).toBe(i === 59);
    });
    const tail = await bob.fetch(messageId, 58);
    expect(tail.chunks.map((c) => c.index)).toEqual([58, 59]);

    // A non-member is refused on every read and write, and the connection stays usable.
    await expect(mallory.fetch(messageId)).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
    await expect(mallory.request({ type: 'receipt', messageId, kind: 'played' })).rejects.toMatchObject({
      code: 'NOT_A_MEMBER',
    });
    await expect(
      mallory.request({ type: 'begin', messageId: newMessageId(), conversationId, wraps: [] }),
    ).rejects.toBeInstanceOf(ProtocolError);
    expect((await mallory.request({ type: 'ping', nonce: 7 })).nonce).toBe(7);

    // Receipts reach the sender, online (push) and by sync.
    const aliceSynced = await alice2.request({ type: 'sync', after: asCursor(0), limit: 100 });
    const delivered = nextPush(alice2, (f) =>
      f.events.some((e) => e.type === 'receipt' && e.kind === 'delivered'),
    );
    await bob.request({ type: 'receipt', messageId, kind: 'delivered' });
    const receipt = (await delivered).events[0];
    expect(receipt).toMatchObject({ type: 'receipt', kind: 'delivered' });
    expect(receipt?.type === 'receipt' && toHex(receipt.from)).toBe(toHex(bob.deviceKey));
    await bob.request({ type: 'receipt', messageId, kind: 'played' });
    const after = aliceSynced.events.at(-1)?.cursor ?? asCursor(0);
    const receipts = await alice2.request({ type: 'sync', after, limit: 100 });
    expect(receipts.events.map((e) => (e.type === 'receipt' ? e.kind : e.type))).toEqual([
      'delivered',
      'played',
    ]);

    const metrics = await (await fetch(new URL('/metrics', server.url))).text();
    expect(metrics).toMatch(/sotto_resumes_total 1/);
    expect(metrics).toMatch(/sotto_handshakes_total\{outcome="ok"\} [4-9]/);
    expect(metrics).toMatch(/sotto_ack_latency_seconds_count \d+/);
    expect(metrics).toMatch(/^sotto_connections 3$/m);
    expect(metrics).toMatch(/^sotto_frames_in_total\{type="chunk"\} 63$/m);
    expect(metrics).toMatch(/^sotto_bytes_in_total\{type="chunk"\} \d{6,}$/m);
    expect(metrics).toMatch(/^sotto_chunks_stored_total\{outcome="new"\} 60$/m);
    expect(metrics).toMatch(/^sotto_chunks_stored_total\{outcome="repeat"\} 3$/m);
    expect(metrics).toMatch(/^sotto_commit_latency_seconds_count [1-9]/m);
    expect(metrics).toMatch(/^sotto_fanout_latency_seconds_count [1-9]/m);
    expect(metrics).toMatch(/^sotto_store_latency_seconds_count\{op="putChunk"\} 63$/m);
    expect(metrics).toMatch(/^sotto_protocol_errors_total\{code="NOT_A_MEMBER"\} [1-9]/m);

    await Promise.all([alice2.close(), bob.close(), mallory.close()]);
  });

  it('refuses a conflicting chunk and an incomplete commit without closing the session', async () => {
    const alice = await RelayClient.connect(server.url);
    const conversationId = newConversationId();
    await alice.request({ type: 'createConversation', conversationId, members: [] });
    const messageId = newMessageId();
    await alice.request({
      type: 'begin',
      messageId,
      conversationId,
      wraps: [{ deviceKey: alice.deviceKey, wrapped: new Uint8Array(8) }],
    });
    const chunks = makeChunks(3);
    await alice.request(chunkFrame(messageId, chunks, 0));
    await expect(
      alice.request({ ...chunkFrame(messageId, chunks, 0), data: new Uint8Array(10) }),
    ).rejects.toMatchObject({ code: 'CHUNK_CONFLICT' });
    await expect(
      alice.request({ type: 'commit', messageId, chunkCount: 3, metadata: new Uint8Array(0) }),
    ).rejects.toMatchObject({
      code: 'INCOMPLETE_MESSAGE',
    });
    const aborted = await alice.request({ type: 'abort', messageId });
    expect(aborted.type).toBe('aborted');
    expect(await alice.request({ type: 'resume', messageId })).toMatchObject({
      state: 'unknown',
      nextIndex: 0,
    });
    await alice.close();
  });

  it('answers a burst sent without waiting as if each request had waited for the one before', async () => {
    // The server starts a chunk's write before the earlier chunks have committed; this checks that
    // the writes still apply in order, that begin and commit wait for what came before them, and
    // that the replies come back in request order.
    const alice = await RelayClient.connect(server.url);
    const conversationId = newConversationId();
    const messageId = newMessageId();
    const chunks = makeChunks(40);
    const replied: string[] = [];
    const send = <F extends Parameters<typeof alice.pipeline>[0]>(label: string, frame: F) => {
      const reply = alice.pipeline(frame);
      reply.then(
        () => replied.push(label),
        () => replied.push(label),
      );
      return reply;
    };

    const created = send('create', { type: 'createConversation', conversationId, members: [] });
    const wraps = [{ deviceKey: alice.deviceKey, wrapped: new Uint8Array(8) }];
    const begun = send('begin', { type: 'begin', messageId, conversationId, wraps });
    const acks = chunks.slice(0, 20).map((_, i) => send(`chunk ${i}`, chunkFrame(messageId, chunks, i)));
    const conflict = send('conflict', { ...chunkFrame(messageId, chunks, 10), data: new Uint8Array(9) });
    const repeat = send('repeat', chunkFrame(messageId, chunks, 10));
    acks.push(
      ...chunks.slice(20).map((_, i) => send(`chunk ${20 + i}`, chunkFrame(messageId, chunks, 20 + i))),
    );
    const committed = send('commit', {
      type: 'commit',
      messageId,
      chunkCount: 40,
      metadata: new Uint8Array(4),
    });
    const state = send('resume', { type: 'resume', messageId });

    await created;
    expect((await begun).nextIndex).toBe(0);
    expect((await Promise.all(acks)).map((ack) => ack.nextIndex)).toEqual(chunks.map((_, i) => i + 1));
    await expect(conflict).rejects.toMatchObject({ code: 'CHUNK_CONFLICT' });
    expect((await repeat).nextIndex).toBe(20);
    expect((await committed).type).toBe('committed');
    expect(await state).toMatchObject({ state: 'committed', nextIndex: 40 });
    expect(replied).toEqual([
      'create',
      'begin',
      ...chunks.slice(0, 20).map((_, i) => `chunk ${i}`),
      'conflict',
      'repeat',
      ...chunks.slice(20).map((_, i) => `chunk ${20 + i}`),
      'commit',
      'resume',
    ]);
    await alice.close();
  });

  it('streams a long fetch to a reader that stops reading, every frame a valid Noise message', async () => {
    // Limits lifted so 12 MB can be uploaded at once; the fetch then overruns the send buffer.
    const fast = await startInProcess({
      SOTTO_RATE_BYTES_PER_S: '1000000000',
      SOTTO_RATE_BYTE_BURST: '1000000000',
      SOTTO_RATE_FRAMES_PER_S: '100000',
      SOTTO_RATE_FRAME_BURST: '100000',
    });
    try {
      const alice = await RelayClient.connect(fast.url);
      const bob = await RelayClient.connect(fast.url);
      const conversationId = newConversationId();
      await alice.request({ type: 'createConversation', conversationId, members: [bob.deviceKey] });
      const messageId = newMessageId();
      const wraps = [{ deviceKey: bob.deviceKey, wrapped: new Uint8Array(8) }];
      await alice.request({ type: 'begin', messageId, conversationId, wraps });
      const chunks = Array.from({ length: 200 }, () => new Uint8Array(randomBytes(60_000)));
      await Promise.all(chunks.map((_, i) => alice.pipeline(chunkFrame(messageId, chunks, i))));
      await alice.request({ type: 'commit', messageId, chunkCount: 200, metadata: new Uint8Array(16) });

      bob.ws.pause();
      const fetching = bob.fetch(messageId);
      await new Promise((resolve) => setTimeout(resolve, 300));
      bob.ws.resume();
      const fetched = await fetching;
      expect(fetched.chunks).toHaveLength(200);
      fetched.chunks.forEach((chunk, i) => {
        expect(Buffer.from(chunk.data).equals(chunks[i] ?? new Uint8Array(0))).toBe(true);
      });
      // The session is still healthy afterwards.
      expect((await bob.request({ type: 'ping', nonce: 7 })).type).toBe('pong');
      await Promise.all([alice.close(), bob.close()]);
    } finally {
      await fast.dispose();
    }
  });
});
