// Two relay processes behind one user base (DESIGN.md §7): the same PostgreSQL database and the
// same Redis, the same server key. A message sent through one reaches a device connected to the
// other, pushed and fetched byte for byte, and the receipt comes back the other way.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asChunkIndex, asCursor, toHex } from '../../../../src/shared/protocol';
import { newConversationId, newMessageId } from '../../../helpers/ids';
import { RelayClient, nextPush } from '../../../helpers/relay-client';
import { startServer, type TestServer } from '../../../helpers/server';

const DATABASE_URL = process.env.SOTTO_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.SOTTO_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('two relay processes sharing PostgreSQL and Redis', () => {
  const schema = `sotto_scale_${randomBytes(6).toString('hex')}`;
  // Device keys are fresh per test, so other test files' wake-ups on the same Redis never collide.
  const env = { DATABASE_URL, DATABASE_SCHEMA: schema, REDIS_URL };
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    a = await startServer({ env });
    // The same data directory: both processes use the one server key that clients pin.
    b = await startServer({ env, dataDir: a.dataDir });
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
    rmSync(a.dataDir, { recursive: true, force: true });
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  it('delivers through the other process: push, fetch, and the receipt back', async () => {
    const alice = await RelayClient.connect(a.url, { deviceName: 'alice' });
    const bob = await RelayClient.connect(b.url, { deviceName: 'bob' });
    expect(toHex(alice.serverKey)).toBe(toHex(bob.serverKey));
    await bob.request({ type: 'sync', after: asCursor(0), limit: 100 });
    await alice.request({ type: 'sync', after: asCursor(0), limit: 100 });

    const joined = nextPush(bob, (frame) => frame.events.some((e) => e.type === 'conversation'));
    const conversationId = newConversationId();
    await alice.request({ type: 'createConversation', conversationId, members: [bob.deviceKey] });
    await joined;

    const messageId = newMessageId();
    const chunks = Array.from({ length: 12 }, () => new Uint8Array(randomBytes(3000)));
    await alice.request({
      type: 'begin',
      messageId,
      conversationId,
      wraps: [{ deviceKey: bob.deviceKey, wrapped: new Uint8Array(randomBytes(72)) }],
    });
    const acks = await Promise.all(
      chunks.map((data, i) =>
        alice.pipeline({ type: 'chunk', messageId, index: asChunkIndex(i), final: i === 11, data }),
      ),
    );
    expect(acks.map((ack) => ack.nextIndex)).toEqual(chunks.map((_, i) => i + 1));

    const pushed = nextPush(bob, (frame) => frame.events.some((e) => e.type === 'message'));
    await alice.request({ type: 'commit', messageId, chunkCount: 12, metadata: new Uint8Array(8) });
    const event = (await pushed).events.find((e) => e.type === 'message');
    expect(event).toMatchObject({ type: 'message', chunkCount: 12 });

    const fetched = await bob.fetch(messageId);
    expect(fetched.chunks.map((chunk) => Buffer.from(chunk.data))).toEqual(chunks.map((c) => Buffer.from(c)));

    const played = nextPush(alice, (frame) =>
      frame.events.some((e) => e.type === 'receipt' && e.kind === 'played'),
    );
    await bob.request({ type: 'receipt', messageId, kind: 'played' });
    expect((await played).events[0]).toMatchObject({ type: 'receipt', kind: 'played' });
    await Promise.all([alice.close(), bob.close()]);
  });
});
