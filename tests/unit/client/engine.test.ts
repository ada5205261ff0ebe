import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { isClientError, type Engine } from '../../../src/client';
import { asMillis, sameBytes, toHex, type MessageId } from '../../../src/shared/protocol';
import { isSent, type OutboxState } from '../../../src/shared/sync';
import { nextEvent, testEngine, type TestEngine } from '../../helpers/engine';
import { startInProcess, type InProcessServer } from '../../helpers/relay-server';

const audioSummary = { sampleRate: 48_000, durationMs: 3_000, waveform: [1, 2, 3] };

function randomChunks(count: number): Uint8Array[] {
  return Array.from(
    { length: count },
    () => new Uint8Array(randomBytes(2_000 + Math.floor(Math.random() * 500))),
  );
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** Starts both engines and makes them contacts of each other. */
async function befriend(a: TestEngine, b: TestEngine) {
  const toB = await a.engine.addContact(b.engine.inviteLink());
  await b.engine.addContact(a.engine.inviteLink());
  return toB.conversationId;
}

/** Sends `chunks` as one message (all but the last appended, the last finishing it). */
async function send(
  engine: Engine,
  conversationId: Parameters<Engine['startMessage']>[0],
  chunks: Uint8Array[],
) {
  const draft = await engine.startMessage(conversationId);
  for (const chunk of chunks.slice(0, -1)) await draft.append(chunk);
  const last = chunks.at(-1);
  if (last === undefined) throw new Error('no chunks');
  await draft.finish(last, audioSummary);
  return draft.messageId;
}

function waitState(engine: Engine, messageId: MessageId, type: OutboxState['type']): Promise<OutboxState> {
  return engine.waitForOutbox(messageId, (state) => state.type === type);
}

describe('client engine against a real relay', () => {
  let server: InProcessServer;
  const engines: TestEngine[] = [];
  const make = async (name: string, options = {}) => {
    const made = await testEngine(name, server.url, options);
    engines.push(made);
    return made;
  };

  beforeAll(async () => {
    server = await startInProcess();
  });
  afterEach(async () => {
    await Promise.all(engines.splice(0).map(({ engine }) => engine.stop()));
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('sends a message end to end: sent → delivered → played, bytes intact', async () => {
    const alice = await make('alice');
    const bob = await make('bob');
    const conversationId = await befriend(alice, bob);
    alice.engine.start();
    bob.engine.start();
    const chunks = randomChunks(4);
    const received = nextEvent(bob.engine, 'message');
    const messageId = await send(alice.engine, conversationId, chunks);

    const message = await received;
    expect(toHex(message.messageId)).toBe(toHex(messageId));
    expect(Buffer.from(message.audio).equals(concat(chunks))).toBe(true);
    expect(message.request).toBe(false);
    expect(sameBytes(message.sender, alice.engine.deviceKey)).toBe(true);
    expect(message.metadata).toMatchObject({ durationMs: 3_000, waveform: [1, 2, 3], chunkCount: 4 });

    await waitState(alice.engine, messageId, 'delivered');
    await bob.engine.markPlayed(messageId);
    const played = await waitState(alice.engine, messageId, 'played');
    expect(played).toMatchObject({ type: 'played', chunkCount: 4 });
  });

  it('resumes after a disconnect from the server next index, re-sending stored bytes without re-sealing', async () => {
    const alice = await make('alice');
    const bob = await make('bob');
    const conversationId = await befriend(alice, bob);
    alice.engine.start();
    bob.engine.start();
    await alice.engine.idle();

    const chunks = randomChunks(7);
    const draft = await alice.engine.startMessage(conversationId);
    const { messageId } = draft;
    for (const chunk of chunks.slice(0, 3)) await draft.append(chunk);
    await alice.engine.waitForOutbox(messageId, (state) => state.type === 'recording' && state.acked === 3);

    // The network goes away mid-recording; recording (sealing, storing) goes on.
    alice.transport.goOffline();
    await nextEvent(alice.engine, 'connection', (status) => status.type === 'waiting');
    for (const chunk of chunks.slice(3, 6)) await draft.append(chunk);
    const last = chunks.at(-1) ?? new Uint8Array();
    await draft.finish(last, audioSummary);
    expect(alice.engine.outboxState(messageId)).toEqual({ type: 'sealed', chunkCount: 7, acked: 3 });

    const received = nextEvent(bob.engine, 'message');
    alice.transport.goOnline();
    alice.engine.reconnectNow();
    await waitState(alice.engine, messageId, 'sent');

    // Every chunk was sealed and written exactly once; no acknowledged chunk went out again.
    const writes = alice.ports.outbox.chunkWrites.filter((w) => w.messageId === toHex(messageId));
    expect(writes.map((w) => w.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(alice.engine.uploadCounters(messageId)).toEqual({ chunksSent: 7, chunksResent: 0 });

    // What the server stored is byte for byte what the outbox stored.
    const stored = await server.relay.store.readChunks(messageId, bob.engine.deviceKey, 0 as never, 100);
    for (const chunk of stored.chunks) {
      const local = await alice.ports.outbox.getChunk(messageId, chunk.index);
      expect(local && Buffer.from(local.data).equals(Buffer.from(chunk.data))).toBe(true);
    }
    const message = await received;
    expect(Buffer.from(message.audio).equals(concat(chunks))).toBe(true);
  });

  it('pins the server key on first contact and stops with SERVER_KEY_CHANGED when it differs', async () => {
    const first = await make('dave');
    first.engine.start();
    await first.engine.idle();
    const origin = first.engine.origin;
    const pinned = await first.ports.keyStore.pinnedServerKey(origin);
    expect(pinned && sameBytes(pinned, server.relay.publicKey)).toBe(true);
    await first.engine.stop();

    // Same device, but the pin says another key: an impersonator, or a reinstalled server.
    await first.ports.keyStore.pinServerKey(origin, new Uint8Array(randomBytes(32)));
    const again = await testEngine('dave', server.url, {}, first.ports.keyStore);
    engines.push(again);
    const failed = nextEvent(again.engine, 'connection', (status) => status.type === 'failed');
    again.engine.start();
    const status = await failed;
    if (status.type !== 'failed') throw new Error('unreachable');
    expect(isClientError(status.error, 'SERVER_KEY_CHANGED')).toBe(true);
    expect(status.error.message).toMatch(/different identity key/);
    // It does not keep retrying.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(again.transport.opened).toBe(1);
    expect(again.engine.status.type).toBe('failed');
  });

  it('delivers a message from an unknown key as a request', async () => {
    const bob = await make('bob');
    const carol = await make('carol');
    const conversationId = (await carol.engine.addContact(bob.engine.inviteLink())).conversationId;
    bob.engine.start();
    carol.engine.start();
    const request = nextEvent(bob.engine, 'request');
    const received = nextEvent(bob.engine, 'message');
    const messageId = await send(carol.engine, conversationId, randomChunks(2));
    const message = await received;
    expect(toHex(message.messageId)).toBe(toHex(messageId));
    expect(message.request).toBe(true);
    expect(sameBytes((await request).deviceKey, carol.engine.deviceKey)).toBe(true);
    // Accepting the invite later turns the request into a contact in the same 1:1 conversation.
    const accepted = await bob.engine.addContact(carol.engine.inviteLink());
    expect(toHex(accepted.conversationId)).toBe(toHex(conversationId));
    expect(accepted.status).toBe('contact');
  });

  it('sends to a group: every member device gets it', async () => {
    const alice = await make('alice');
    const bob = await make('bob');
    const carol = await make('carol');
    await befriend(alice, bob);
    await befriend(alice, carol);
    const group = await alice.engine.createGroup('friends', [bob.engine.deviceKey, carol.engine.deviceKey]);
    for (const { engine } of [alice, bob, carol]) engine.start();
    const toBob = nextEvent(bob.engine, 'message');
    const toCarol = nextEvent(carol.engine, 'message');
    const chunks = randomChunks(3);
    const messageId = await send(alice.engine, group.id, chunks);
    for (const message of await Promise.all([toBob, toCarol])) {
      expect(Buffer.from(message.audio).equals(concat(chunks))).toBe(true);
      expect(toHex(message.conversationId)).toBe(toHex(group.id));
    }
    await waitState(alice.engine, messageId, 'delivered');
  });

  it('wraps the key only for contacts, never for a member the server slipped into the conversation', async () => {
    const alice = await make('alice');
    const bob = await make('bob');
    const mallory = await make('mallory');
    const conversationId = await befriend(alice, bob);
    for (const { engine } of [alice, bob, mallory]) engine.start();
    await waitState(alice.engine, await send(alice.engine, conversationId, randomChunks(1)), 'delivered');

    // A malicious server adds its own device to the 1:1 conversation and tells alice so.
    const told = nextEvent(alice.engine, 'conversation');
    const { store, fanout } = server.relay;
    const ghost = [mallory.engine.deviceKey];
    await fanout.publish(
      await store.addMembers(conversationId, bob.engine.deviceKey, ghost, asMillis(Date.now())),
    );
    expect((await told).members.some((member) => sameBytes(member, mallory.engine.deviceKey))).toBe(true);

    let malloryGot = 0;
    mallory.engine.on('message', () => malloryGot++);
    const messageId = await send(alice.engine, conversationId, randomChunks(2));
    await waitState(alice.engine, messageId, 'delivered');
    const record = await alice.ports.outbox.get(messageId);
    const wrapped = (record?.wraps ?? []).map((wrap) => toHex(wrap.deviceKey)).sort();
    expect(wrapped).toEqual([toHex(alice.engine.deviceKey), toHex(bob.engine.deviceKey)].sort());
    expect(malloryGot).toBe(0);

    // Nor can a group hold someone who is not a contact.
    await expect(alice.engine.createGroup('with mallory', [mallory.engine.deviceKey])).rejects.toMatchObject({
      code: 'UNKNOWN_CONTACT',
    });
  });

  it('keeps backing off from a server that accepts hello and then drops every session', async () => {
    // A proxy in front of the real relay that cuts each connection right after the welcome.
    const proxy = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    proxy.on('connection', (client) => {
      const upstream = new WebSocket(new URL('/ws', server.url.replace(/^http/, 'ws')));
      const early: Buffer[] = [];
      let fromServer = 0;
      client.on('message', (data: Buffer) => {
        if (upstream.readyState === WebSocket.OPEN) upstream.send(data);
        else early.push(data);
      });
      upstream.on('open', () => {
        for (const data of early.splice(0)) upstream.send(data);
      });
      upstream.on('message', (data: Buffer) => {
        client.send(data);
        // Handshake message 2, then the welcome: hello succeeded, and that is all it gets.
        if (++fromServer === 2) client.terminate();
      });
      client.on('close', () => {
        upstream.close();
      });
    });
    await new Promise((resolve) => proxy.once('listening', resolve));
    const address = proxy.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const alice = await testEngine('alice', `http://127.0.0.1:${port}`, {
        backoff: { baseMs: 5, capMs: 40 },
      });
      engines.push(alice);
      const attempts: number[] = [];
      const enough = new Promise<void>((resolve) => {
        alice.engine.on('connection', (status) => {
          if (status.type === 'waiting') attempts.push(status.attempt);
          if (attempts.length === 5) resolve();
        });
      });
      alice.engine.start();
      await enough;
      expect(attempts).toEqual([1, 2, 3, 4, 5]);
    } finally {
      proxy.close();
    }
  });

  it('fails a message at once on a permanent error (quota) and keeps it for retry or delete', async () => {
    const strict = await startInProcess({ SOTTO_MAX_CHUNK_BYTES: '1000' });
    try {
      const alice = await testEngine('alice', strict.url);
      const bob = await testEngine('bob', strict.url);
      engines.push(alice, bob);
      const conversationId = await befriend(alice, bob);
      alice.engine.start();
      await alice.engine.idle();
      const messageId = await send(alice.engine, conversationId, randomChunks(2));
      const failed = await waitState(alice.engine, messageId, 'failed');
      expect(failed).toMatchObject({ type: 'failed', reason: { code: 'QUOTA_EXCEEDED' } });
      expect(isSent(failed)).toBe(false);
      // The failure is stored with the message; retry resumes it (and fails again here), delete removes it.
      expect((await alice.ports.outbox.get(messageId))?.state.type).toBe('failed');
      await alice.engine.retry(messageId);
      await waitState(alice.engine, messageId, 'failed');
      await alice.engine.discard(messageId);
      expect(alice.engine.outboxState(messageId)).toBeUndefined();
      expect(await alice.ports.outbox.get(messageId)).toBeNull();
    } finally {
      await Promise.all(engines.splice(0).map(({ engine }) => engine.stop()));
      await strict.dispose();
    }
  });
});
