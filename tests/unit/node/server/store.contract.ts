import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store, StoredChunk } from '../../../../src/node/server/store/store';
import {
  CURSOR_START,
  MAX_MEMBERS,
  asChunkIndex,
  asCursor,
  type ConversationId,
  type MessageId,
  type Event,
} from '../../../../src/shared/protocol';
import {
  allEvents,
  at,
  begin,
  chunkBytes,
  chunkOf,
  expectRefusal,
  newConversation,
  newConversationId,
  newDevice,
  newMessageId,
  send,
  sortedKeys,
  wrapFor,
} from './store.fixtures';
import { seededRandom } from '../../../helpers/seeded-random';

/** What an implementation under test provides: a fresh empty store, and a way to reopen its database. */
export interface StoreHarness {
  /** A store over an empty database. */
  readonly store: Store;
  /** Closes the current store and opens the same database again. */
  reopen(): Promise<Store>;
  /** Closes the latest store and removes the database. */
  cleanup(): Promise<void>;
}

function ofType<T extends Event['type']>(events: readonly Event[], type: T): Extract<Event, { type: T }>[] {
  return events.filter((event): event is Extract<Event, { type: T }> => event.type === type);
}

/** The Store contract: every implementation must pass this suite unchanged. */
export function storeContract(name: string, open: () => Promise<StoreHarness>): void {
  describe(`Store contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: Store;

    beforeEach(async () => {
      harness = await open();
      store = harness.store;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    describe('devices and conversations', () => {
      it('records devices at each handshake', async () => {
        const device = newDevice();
        await store.touchDevice(device, 'Firefox on laptop', at(1));
        await store.touchDevice(device, 'Firefox on laptop (renamed)', at(2));
      });

      it('creates a conversation, tells every member, and treats a repeat as a no-op', async () => {
        const id = newConversationId();
        const creator = newDevice();
        const others = [newDevice(), newDevice()];
        const members = sortedKeys([creator, ...others]);
        // The creator listed again and a duplicate are tolerated.
        const appended = await store.createConversation(
          id,
          creator,
          [...others, creator, others[0] ?? creator],
          at(5),
        );
        expect(sortedKeys(appended.map((a) => a.device))).toEqual(members);
        for (const { device, cursor } of appended) {
          expect(cursor).toBe(1);
          const events = await allEvents(store, device);
          expect(events).toEqual([
            { type: 'conversation', cursor: 1, conversationId: id, members, change: 'created' },
          ]);
        }
        expect(await store.createConversation(id, creator, others, at(6))).toEqual([]);
        expect(await allEvents(store, creator)).toHaveLength(1);
        await expectRefusal(store.createConversation(id, newDevice(), others, at(7)), 'ID_CONFLICT');
      });

      it('refuses a conversation larger than MAX_MEMBERS', async () => {
        const others = Array.from({ length: MAX_MEMBERS }, newDevice);
        await expectRefusal(
          store.createConversation(newConversationId(), newDevice(), others, at(1)),
          'QUOTA_EXCEEDED',
        );
      });

      it('adds members for a member only, telling old and new members the full list', async () => {
        const { id, creator, devices } = await newConversation(store, 1);
        const joiner = newDevice();
        await expectRefusal(store.addMembers(id, newDevice(), [joiner], at(2)), 'NOT_A_MEMBER');
        await expectRefusal(store.addMembers(newConversationId(), creator, [joiner], at(2)), 'NOT_A_MEMBER');

        const appended = await store.addMembers(id, creator, [joiner], at(2));
        const after = sortedKeys([...devices, joiner]);
        expect(sortedKeys(appended.map((a) => a.device))).toEqual(after);
        for (const device of after) {
          const joined = ofType(await allEvents(store, device), 'conversation').at(-1);
          expect(joined).toMatchObject({ change: 'joined', conversationId: id, members: after });
        }
        expect(await store.addMembers(id, creator, [joiner, creator], at(3))).toEqual([]);
      });

      it('refuses to grow a conversation past MAX_MEMBERS and changes nothing', async () => {
        const { id, creator, devices } = await newConversation(store, 1);
        const many = Array.from({ length: MAX_MEMBERS - 1 }, newDevice);
        await expectRefusal(store.addMembers(id, creator, many, at(2)), 'QUOTA_EXCEEDED');
        const { conversations } = await store.listConversations(creator, null, 10);
        expect(conversations[0]?.members).toEqual(sortedKeys(devices));
      });

      it('lets a member leave, telling the leaver and the rest; the leaver loses access', async () => {
        const { id, creator, devices } = await newConversation(store, 2);
        const [, leaver = creator, stayer = creator] = devices;
        const remaining = sortedKeys(devices.filter((d) => d !== leaver));
        const appended = await store.leaveConversation(id, leaver, at(2));
        expect(sortedKeys(appended.map((a) => a.device))).toEqual(sortedKeys(devices));
        for (const device of [leaver, stayer]) {
          const left = ofType(await allEvents(store, device), 'conversation').at(-1);
          expect(left).toEqual({
            type: 'conversation',
            cursor: 2,
            conversationId: id,
            members: remaining,
            change: 'left',
          });
        }
        expect((await store.listConversations(leaver, null, 10)).conversations).toEqual([]);
        await expectRefusal(store.leaveConversation(id, leaver, at(3)), 'NOT_A_MEMBER');
        await expectRefusal(begin(store, id, leaver, []), 'NOT_A_MEMBER');
      });

      it('lists conversations a page at a time in ascending id order', async () => {
        const device = newDevice();
        const ids: ConversationId[] = [];
        for (let i = 0; i < 5; i++) {
          const id = newConversationId();
          ids.push(id);
          await store.createConversation(id, device, [], at(i));
        }
        await newConversation(store); // someone else's: never listed
        ids.sort((a, b) => Buffer.compare(a, b));
        const first = await store.listConversations(device, null, 2);
        expect(first.conversations.map((c) => c.conversationId)).toEqual(ids.slice(0, 2));
        expect(first.conversations[0]?.members).toEqual([device]);
        expect(first.hasMore).toBe(true);
        const second = await store.listConversations(device, ids[1] ?? null, 2);
        expect(second.conversations.map((c) => c.conversationId)).toEqual(ids.slice(2, 4));
        expect(second.hasMore).toBe(true);
        const last = await store.listConversations(device, ids[3] ?? null, 2);
        expect(last.conversations.map((c) => c.conversationId)).toEqual(ids.slice(4));
        expect(last.hasMore).toBe(false);
      });
    });

    describe('uploads', () => {
      it('begins for members only, with wraps for members only', async () => {
        const { id, creator, devices } = await newConversation(store);
        await expectRefusal(begin(store, id, newDevice(), []), 'NOT_A_MEMBER');
        await expectRefusal(begin(store, newConversationId(), creator, []), 'NOT_A_MEMBER');
        await expectRefusal(begin(store, id, creator, [...devices, newDevice()]), 'NOT_A_MEMBER');
        const messageId = await begin(store, id, creator, devices);
        expect(await store.uploadState(messageId, creator)).toEqual({ state: 'uploading', nextIndex: 0 });
      });

      it('restates a begin as a no-op and refuses the id for another sender or conversation', async () => {
        const { id, creator, devices } = await newConversation(store);
        const [, other = creator] = devices;
        const messageId = await begin(store, id, creator, devices);
        await store.putChunk({ ...chunkOf(messageId, 0, 3), sender: creator });
        const wraps = devices.map((deviceKey) => ({ deviceKey, wrapped: wrapFor(messageId, deviceKey) }));
        const upload = { messageId, conversationId: id, sender: creator, wraps };
        expect(await store.beginUpload(upload, 8, at(9))).toBe(1);
        await expectRefusal(store.beginUpload({ ...upload, sender: other }, 8, at(9)), 'ID_CONFLICT');
        const elsewhere = await newConversation(store);
        await expectRefusal(
          store.beginUpload(
            { ...upload, sender: elsewhere.creator, conversationId: elsewhere.id, wraps: [] },
            8,
            at(9),
          ),
          'ID_CONFLICT',
        );
        await expectRefusal(
          store.beginUpload(
            { ...upload, conversationId: (await newConversation(store, 0)).id, wraps: [] },
            8,
            at(9),
          ),
          'NOT_A_MEMBER',
        );
      });

      it('limits uploads in flight per sender, freeing a slot on commit or abort', async () => {
        const { id, creator, devices } = await newConversation(store);
        const [, other = creator] = devices;
        const first = await begin(store, id, creator, devices, { maxInFlight: 2 });
        const second = await begin(store, id, creator, devices, { maxInFlight: 2 });
        await expectRefusal(begin(store, id, creator, devices, { maxInFlight: 2 }), 'TOO_MANY_UPLOADS');
        await begin(store, id, other, devices, { maxInFlight: 2 }); // another sender has its own budget
        await store.abort(first, creator);
        await begin(store, id, creator, devices, { maxInFlight: 2 });
        await expectRefusal(begin(store, id, creator, devices, { maxInFlight: 2 }), 'TOO_MANY_UPLOADS');
        await store.putChunk({ ...chunkOf(second, 0, 1), sender: creator });
        await store.commit(
          { messageId: second, sender: creator, chunkCount: 1, metadata: new Uint8Array(1) },
          at(3),
        );
        await begin(store, id, creator, devices, { maxInFlight: 2 });
      });

      it('isolates a refused write from concurrent ones', async () => {
        const { id, creator, devices } = await newConversation(store);
        const messageId = await begin(store, id, creator, devices);
        const first = { ...chunkOf(messageId, 0, 3), sender: creator };
        await store.putChunk(first);
        // Issued together (one group commit where the store batches): only the conflict fails.
        const results = await Promise.allSettled([
          store.putChunk({ ...chunkOf(messageId, 1, 3), sender: creator }),
          store.putChunk({ ...first, data: new Uint8Array(first.data.length + 1) }),
          store.putChunk({ ...chunkOf(messageId, 2, 3), sender: creator }),
        ]);
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        expect(results[1]).toMatchObject({ reason: { code: 'CHUNK_CONFLICT' } });
        // Each outcome is the one it would have had alone, in call order.
        expect(results[0]).toMatchObject({ value: { nextIndex: 2, repeated: false } });
        expect(results[2]).toMatchObject({ value: { nextIndex: 3, repeated: false } });
        expect(await store.uploadState(messageId, creator)).toEqual({ state: 'uploading', nextIndex: 3 });
      });

      it('applies writes in call order, without waiting for earlier ones to settle', async () => {
        // The relay relies on this: it starts a chunk's write before the chunks ahead of it commit.
        const { id, creator, devices } = await newConversation(store);
        const messageId = newMessageId();
        const wraps = devices.map((deviceKey) => ({ deviceKey, wrapped: wrapFor(messageId, deviceKey) }));
        const begun = store.beginUpload({ messageId, conversationId: id, sender: creator, wraps }, 8, at(1));
        const puts = Array.from({ length: 30 }, (_, i) =>
          store.putChunk({ ...chunkOf(messageId, i, 30), sender: creator }),
        );
        const committed = store.commit(
          { messageId, sender: creator, chunkCount: 30, metadata: new Uint8Array(2) },
          at(2),
        );
        expect(await begun).toBe(0);
        expect((await Promise.all(puts)).map((put) => put.nextIndex)).toEqual(puts.map((_, i) => i + 1));
        expect((await committed).committedAt).toBe(2);
      });

      it('refuses a chunk that would take the message past its byte quota', async () => {
        const { id, creator, devices } = await newConversation(store);
        const messageId = await begin(store, id, creator, devices);
        const first = { ...chunkOf(messageId, 0, 3), sender: creator };
        const quota = first.data.length * 2;
        await store.putChunk(first, quota);
        await store.putChunk(
          { ...chunkOf(messageId, 1, 3), sender: creator, data: new Uint8Array(first.data.length) },
          quota,
        );
        await expectRefusal(
          store.putChunk({ ...chunkOf(messageId, 2, 3), sender: creator }, quota),
          'QUOTA_EXCEEDED',
        );
        // A repeat of a stored chunk is not new data and is still acknowledged.
        expect(await store.putChunk(first, quota)).toEqual({ nextIndex: 2, repeated: true });
      });

      it('stores chunks idempotently and refuses conflicting ones', async () => {
        const { id, creator, devices } = await newConversation(store);
        const messageId = await begin(store, id, creator, devices);
        const chunk = { ...chunkOf(messageId, 0, 2), sender: creator };
        expect(await store.putChunk(chunk)).toEqual({ nextIndex: 1, repeated: false });
        expect(await store.putChunk({ ...chunk, data: Uint8Array.from(chunk.data) })).toEqual({
          nextIndex: 1,
          repeated: true,
        });
        const flipped = Uint8Array.from(chunk.data);
        flipped[0] = (flipped[0] ?? 0) ^ 1;
        await expectRefusal(store.putChunk({ ...chunk, data: flipped }), 'CHUNK_CONFLICT');
        await expectRefusal(store.putChunk({ ...chunk, final: true }), 'CHUNK_CONFLICT');
        expect(await store.uploadState(messageId, creator)).toEqual({ state: 'uploading', nextIndex: 1 });
      });

      it('keeps one final chunk, the last: nothing after it, no second one, none before stored chunks', async () => {
        const { id, creator, devices } = await newConversation(store);
        const put = (index: number, final: boolean) =>
          store.putChunk({ ...chunkOf(messageId, index, 10), final, sender: creator });
        const messageId = await begin(store, id, creator, devices);
        await put(5, false);
        await expectRefusal(put(3, true), 'CHUNK_CONFLICT');
        expect((await put(6, true)).repeated).toBe(false);
        expect((await put(6, true)).repeated).toBe(true);
        await expectRefusal(put(7, false), 'CHUNK_CONFLICT');
        await expectRefusal(put(4, true), 'CHUNK_CONFLICT');
        expect((await put(4, false)).repeated).toBe(false);

        // The same rules for an upload that arrives in order.
        const inOrder = await begin(store, id, creator, devices);
        const next = (index: number, final: boolean) =>
          store.putChunk({ ...chunkOf(inOrder, index, 10), final, sender: creator });
        expect((await next(0, false)).nextIndex).toBe(1);
        expect((await next(1, true)).nextIndex).toBe(2);
        await expectRefusal(next(2, false), 'CHUNK_CONFLICT');
        await expectRefusal(next(2, true), 'CHUNK_CONFLICT');
        expect(await store.uploadState(inOrder, creator)).toEqual({ state: 'uploading', nextIndex: 2 });
      });

      it('refuses chunks for unknown messages, other senders, and senders who left', async () => {
        const { id, creator, devices } = await newConversation(store);
        const [, other = creator] = devices;
        await expectRefusal(
          store.putChunk({ ...chunkOf(newMessageId(), 0, 1), sender: creator }),
          'UNKNOWN_MESSAGE',
        );
        const messageId = await begin(store, id, creator, devices);
        await expectRefusal(
          store.putChunk({ ...chunkOf(messageId, 0, 1), sender: other }),
          'UNKNOWN_MESSAGE',
        );
        await store.leaveConversation(id, creator, at(5));
        await expectRefusal(store.putChunk({ ...chunkOf(messageId, 0, 1), sender: creator }), 'NOT_A_MEMBER');
      });

      it('advances nextIndex only over contiguous chunks (60 shuffled chunks with repeats)', async () => {
        const seed = Number(process.env.STORE_SEED ?? Date.now() % 1_000_000);
        const random = seededRandom(seed);
        const { id, creator, devices } = await newConversation(store);
        const messageId = await begin(store, id, creator, devices);
        const count = 60;
        const order = Array.from({ length: count }, (_, i) => i);
        for (let i = 0; i < 30; i++) order.push(Math.floor(random() * count));
        for (let i = order.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
        }
        const stored = new Set<number>();
        for (const [step, index] of order.entries()) {
          const { nextIndex: next } = await store.putChunk({
            ...chunkOf(messageId, index, count),
            sender: creator,
          });
          stored.add(index);
          let expected = 0;
          while (stored.has(expected)) expected++;
          expect(next, `seed ${seed} (STORE_SEED to replay), step ${step}, index ${index}`).toBe(expected);
        }
        expect(await store.uploadState(messageId, creator)).toEqual({ state: 'uploading', nextIndex: count });
      });

      it('reports upload state: unknown, uploading, committed', async () => {
        const { id, creator, devices } = await newConversation(store);
        const [, other = creator] = devices;
        expect(await store.uploadState(newMessageId(), creator)).toEqual({ state: 'unknown', nextIndex: 0 });
        const messageId = await begin(store, id, creator, devices);
        expect(await store.uploadState(messageId, other)).toEqual({ state: 'unknown', nextIndex: 0 });
        await store.putChunk({ ...chunkOf(messageId, 1, 2), sender: creator });
        expect(await store.uploadState(messageId, creator)).toEqual({ state: 'uploading', nextIndex: 0 });
        await store.putChunk({ ...chunkOf(messageId, 0, 2), sender: creator });
        await store.commit({ messageId, sender: creator, chunkCount: 2, metadata: new Uint8Array(3) }, at(4));
        expect(await store.uploadState(messageId, creator)).toEqual({ state: 'committed', nextIndex: 2 });
      });

      it.each([
        ['a chunk is missing', [0, 2], [2], 3],
        ['the last chunk is not final', [0, 1, 2], [], 3],
        ['a chunk in the middle is final', [0, 1, 2], [1, 2], 3],
        ['only a middle chunk is final', [0, 1, 2], [1], 3],
        ['a chunk lies beyond the final one', [0, 1, 2, 3], [2], 4],
        ['there are no chunks', [], [], 1],
      ])('refuses to commit when %s', async (_, indices, finals, chunkCount) => {
        const { id, creator, devices } = await newConversation(store);
        const messageId = await begin(store, id, creator, devices);
        for (const index of indices) {
          const data = chunkBytes(messageId, index);
          const final = finals.includes(index);
          const put = store.putChunk({ messageId, index: asChunkIndex(index), final, data, sender: creator });
          // A chunk after the final one, or a second final, is already refused at upload.
          await put.catch((error: unknown) => {
            expect(error).toMatchObject({ code: 'CHUNK_CONFLICT' });
          });
        }
        const request = { messageId, sender: creator, chunkCount, metadata: new Uint8Array(2) };
        await expectRefusal(store.commit(request, at(5)), 'INCOMPLETE_MESSAGE');
        expect((await store.uploadState(messageId, creator)).state).toBe('uploading');
        for (const device of devices) expect(ofType(await allEvents(store, device), 'message')).toEqual([]);
      });

      it('refuses to commit unknown messages or another sender’s', async () => {
        const { id, creator, devices } = await newConversation(store);
        const [, other = creator] = devices;
        const metadata = new Uint8Array(1);
        await expectRefusal(
          store.commit({ messageId: newMessageId(), sender: creator, chunkCount: 1, metadata }, at(1)),
          'UNKNOWN_MESSAGE',
        );
        const messageId = await begin(store, id, creator, devices);
        await store.putChunk({ ...chunkOf(messageId, 0, 1), sender: creator });
        await expectRefusal(
          store.commit({ messageId, sender: other, chunkCount: 1, metadata }, at(1)),
          'UNKNOWN_MESSAGE',
        );
      });

      it('commits once: a message event per member device except the sender, then no-ops', async () => {
        const { id, creator, devices } = await newConversation(store, 3);
        const recipients = devices.slice(1);
        const { messageId, metadata } = await send(store, id, creator, devices, 4, 7_000);
        const totalBytes = [0, 1, 2, 3].reduce((sum, i) => sum + chunkBytes(messageId, i).length, 0);
        expect(ofType(await allEvents(store, creator), 'message')).toEqual([]);
        for (const device of recipients) {
          const events = ofType(await allEvents(store, device), 'message');
          expect(events).toEqual([
            {
              type: 'message',
              cursor: 2,
              messageId,
              conversationId: id,
              sender: creator,
              chunkCount: 4,
              totalBytes,
              wrap: wrapFor(messageId, device),
              metadata,
              committedAtMs: 7_000,
            },
          ]);
        }
        const again = await store.commit({ messageId, sender: creator, chunkCount: 4, metadata }, at(9_000));
        expect(again).toEqual({ committedAt: 7_000, appended: [] });
        // A repeat that says something else is not the same commit.
        await expectRefusal(
          store.commit({ messageId, sender: creator, chunkCount: 3, metadata }, at(9_000)),
          'ID_CONFLICT',
        );
        await expectRefusal(
          store.commit({ messageId, sender: creator, chunkCount: 4, metadata: new Uint8Array(1) }, at(9_000)),
          'ID_CONFLICT',
        );
        for (const device of recipients) expect(await allEvents(store, device)).toHaveLength(2);
        // Chunks may be replayed after commit; new ones are refused.
        expect((await store.putChunk({ ...chunkOf(messageId, 3, 4), sender: creator })).nextIndex).toBe(4);
        await expectRefusal(
          store.putChunk({ ...chunkOf(messageId, 4, 5), sender: creator }),
          'ALREADY_COMMITTED',
        );
      });

      it('returns the appended cursors, strictly increasing per device', async () => {
        const { id, creator, devices } = await newConversation(store, 2);
        const last = new Map<string, number>();
        for (let i = 0; i < 5; i++) {
          const sender = devices[i % devices.length] ?? creator;
          const messageId = await begin(store, id, sender, devices);
          await store.putChunk({ ...chunkOf(messageId, 0, 1), sender });
          const { appended } = await store.commit(
            { messageId, sender, chunkCount: 1, metadata: new Uint8Array(1) },
            at(i),
          );
          expect(appended).toHaveLength(devices.length - 1);
          for (const { device, cursor } of appended) {
            const key = Buffer.from(device).toString('hex');
            expect(cursor).toBeGreaterThan(last.get(key) ?? 1);
            last.set(key, cursor);
            expect((await allEvents(store, device)).at(-1)?.cursor).toBe(cursor);
          }
        }
        for (const device of devices) {
          const cursors = (await allEvents(store, device)).map((e) => e.cursor);
          expect(cursors).toEqual(cursors.map((_, i) => i + 1));
        }
      });

      it('gives each of many concurrent commits its own cursor', async () => {
        const { id, creator, devices } = await newConversation(store, 1);
        const ids: MessageId[] = [];
        for (let i = 0; i < 6; i++) {
          const messageId = await begin(store, id, creator, devices, { maxInFlight: 6 });
          await store.putChunk({ ...chunkOf(messageId, 0, 1), sender: creator });
          ids.push(messageId);
        }
        const results = await Promise.all(
          ids.map((messageId) =>
            store.commit({ messageId, sender: creator, chunkCount: 1, metadata: new Uint8Array(1) }, at(5)),
          ),
        );
        const cursors = results.flatMap((r) => r.appended.map((a) => a.cursor)).sort((a, b) => a - b);
        expect(cursors).toEqual([2, 3, 4, 5, 6, 7]);
      });

      it('sends an empty wrap to a member who joined after the upload began', async () => {
        const { id, creator, devices } = await newConversation(store, 1);
        const messageId = await begin(store, id, creator, devices);
        const late = newDevice();
        await store.addMembers(id, creator, [late], at(2));
        await store.putChunk({ ...chunkOf(messageId, 0, 1), sender: creator });
        await store.commit({ messageId, sender: creator, chunkCount: 1, metadata: new Uint8Array(1) }, at(3));
        const [event] = ofType(await allEvents(store, late), 'message');
        expect(event?.wrap).toEqual(new Uint8Array(0));
      });

      it('aborts: deletes the chunks; no-op if unknown; refused after commit', async () => {
        const { id, creator, devices } = await newConversation(store);
        const [, other = creator] = devices;
        const messageId = await begin(store, id, creator, devices);
        for (let i = 0; i < 3; i++) await store.putChunk({ ...chunkOf(messageId, i, 5), sender: creator });
        await store.abort(messageId, other); // not the sender's: untouched
        expect(await store.uploadState(messageId, creator)).toEqual({ state: 'uploading', nextIndex: 3 });
        await store.abort(messageId, creator);
        expect(await store.uploadState(messageId, creator)).toEqual({ state: 'unknown', nextIndex: 0 });
        await store.abort(messageId, creator);
        await store.abort(newMessageId(), creator);
        // The id is free again and starts with no chunks.
        expect(
          await store.beginUpload({ messageId, conversationId: id, sender: other, wraps: [] }, 8, at(4)),
        ).toBe(0);
        await store.putChunk({ ...chunkOf(messageId, 0, 1), sender: other });
        await store.commit({ messageId, sender: other, chunkCount: 1, metadata: new Uint8Array(1) }, at(5));
        await expectRefusal(store.abort(messageId, other), 'ALREADY_COMMITTED');
      });

      it('expires only uploads begun before the cutoff and never committed', async () => {
        const { id, creator, devices } = await newConversation(store);
        const old = await begin(store, id, creator, devices, { now: 1_000 });
        await store.putChunk({ ...chunkOf(old, 0, 2), sender: creator });
        const fresh = await begin(store, id, creator, devices, { now: 5_000 });
        const sent = await begin(store, id, creator, devices, { now: 1_000 });
        await store.putChunk({ ...chunkOf(sent, 0, 1), sender: creator });
        await store.commit(
          { messageId: sent, sender: creator, chunkCount: 1, metadata: new Uint8Array(1) },
          at(1_500),
        );
        expect(await store.expireUploads(at(3_000))).toBe(1);
        expect((await store.uploadState(old, creator)).state).toBe('unknown');
        expect((await store.uploadState(fresh, creator)).state).toBe('uploading');
        expect((await store.uploadState(sent, creator)).state).toBe('committed');
        expect(await store.expireUploads(at(3_000))).toBe(0);
      });
    });

    describe('delivery', () => {
      it('pages through a device log with hasMore', async () => {
        const { id, creator, devices } = await newConversation(store, 1);
        const [, reader = creator] = devices;
        for (let i = 0; i < 6; i++) await send(store, id, creator, devices, 1);
        const seen: number[] = [];
        let after = CURSOR_START;
        const pages: boolean[] = [];
        for (;;) {
          const page = await store.eventsAfter(reader, after, 3);
          seen.push(...page.events.map((e) => e.cursor));
          pages.push(page.hasMore);
          if (!page.hasMore) break;
          after = page.events.at(-1)?.cursor ?? after;
        }
        expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
        expect(pages).toEqual([true, true, false]);
        expect(await store.eventsAfter(reader, asCursor(7), 3)).toEqual({ events: [], hasMore: false });
        expect(await store.eventsAfter(reader, asCursor(4), 3)).toMatchObject({ hasMore: false });
        expect(await store.eventsAfter(newDevice(), CURSOR_START, 3)).toEqual({ events: [], hasMore: false });
      });

      it('reads committed chunks in pages, byte for byte', async () => {
        const { id, creator, devices } = await newConversation(store, 1);
        const [, reader = creator] = devices;
        const { messageId } = await send(store, id, creator, devices, 7);
        const read: StoredChunk[] = [];
        for (let from = 0; from < 7; from += 3) {
          const page = await store.readChunks(messageId, reader, asChunkIndex(from), 3);
          expect(page.chunkCount).toBe(7);
          read.push(...page.chunks);
        }
        expect(read).toEqual(Array.from({ length: 7 }, (_, i) => chunkOf(messageId, i, 7)));
        const fromSender = await store.readChunks(messageId, creator, asChunkIndex(6), 10);
        expect(fromSender.chunks).toEqual([chunkOf(messageId, 6, 7)]);
        expect((await store.readChunks(messageId, reader, asChunkIndex(7), 10)).chunks).toEqual([]);
      });

      it('refuses reads by non-members and of unknown or uncommitted messages', async () => {
        const { id, creator, devices } = await newConversation(store, 1);
        const [, reader = creator] = devices;
        const { messageId } = await send(store, id, creator, devices, 2);
        await expectRefusal(store.readChunks(messageId, newDevice(), asChunkIndex(0), 10), 'NOT_A_MEMBER');
        await expectRefusal(store.readChunks(newMessageId(), reader, asChunkIndex(0), 10), 'UNKNOWN_MESSAGE');
        const pending = await begin(store, id, creator, devices);
        await store.putChunk({ ...chunkOf(pending, 0, 1), sender: creator });
        await expectRefusal(store.readChunks(pending, reader, asChunkIndex(0), 10), 'UNKNOWN_MESSAGE');
        await store.leaveConversation(id, reader, at(9));
        await expectRefusal(store.readChunks(messageId, reader, asChunkIndex(0), 10), 'NOT_A_MEMBER');
      });

      it('puts receipts in the sender’s log, once per message, device and kind', async () => {
        const { id, creator, devices } = await newConversation(store, 2);
        const [, reader = creator, other = creator] = devices;
        const { messageId } = await send(store, id, creator, devices, 1);
        const before = (await allEvents(store, creator)).length;
        const delivered = await store.addReceipt(messageId, reader, 'delivered', at(8_000));
        expect(delivered).toEqual([{ device: creator, cursor: before + 1 }]);
        expect(await store.addReceipt(messageId, reader, 'delivered', at(8_500))).toEqual([]);
        await store.addReceipt(messageId, reader, 'played', at(9_000));
        await store.addReceipt(messageId, other, 'delivered', at(9_500));
        const receipts = ofType(await allEvents(store, creator), 'receipt');
        expect(receipts).toEqual([
          { type: 'receipt', cursor: before + 1, messageId, from: reader, kind: 'delivered', atMs: 8_000 },
          { type: 'receipt', cursor: before + 2, messageId, from: reader, kind: 'played', atMs: 9_000 },
          { type: 'receipt', cursor: before + 3, messageId, from: other, kind: 'delivered', atMs: 9_500 },
        ]);
        expect(ofType(await allEvents(store, reader), 'receipt')).toEqual([]);
      });

      it('refuses receipts from non-members, from the sender, and for messages not sent', async () => {
        const { id, creator, devices } = await newConversation(store, 1);
        const [, reader = creator] = devices;
        const { messageId } = await send(store, id, creator, devices, 1);
        await expectRefusal(store.addReceipt(messageId, newDevice(), 'delivered', at(1)), 'NOT_A_MEMBER');
        await expectRefusal(store.addReceipt(messageId, creator, 'played', at(1)), 'BAD_VALUE');
        await expectRefusal(store.addReceipt(newMessageId(), reader, 'delivered', at(1)), 'UNKNOWN_MESSAGE');
        const pending = await begin(store, id, creator, devices);
        await expectRefusal(store.addReceipt(pending, reader, 'delivered', at(1)), 'UNKNOWN_MESSAGE');
      });
    });

    describe('durability', () => {
      it('keeps every acknowledged write across close and reopen', async () => {
        const { id, creator, devices } = await newConversation(store, 1);
        const [, reader = creator] = devices;
        const { messageId } = await send(store, id, creator, devices, 5);
        await store.addReceipt(messageId, reader, 'played', at(4_000));
        const pending = await begin(store, id, creator, devices);
        for (let i = 0; i < 2; i++) await store.putChunk({ ...chunkOf(pending, i, 4), sender: creator });
        const logs = [await allEvents(store, creator), await allEvents(store, reader)];

        store = await harness.reopen();
        await store.close();
        await store.close(); // idempotent
        store = await harness.reopen();

        expect([await allEvents(store, creator), await allEvents(store, reader)]).toEqual(logs);
        const chunks = await store.readChunks(messageId, reader, asChunkIndex(0), 10);
        expect(chunks.chunks).toEqual(Array.from({ length: 5 }, (_, i) => chunkOf(messageId, i, 5)));
        expect(await store.uploadState(pending, creator)).toEqual({ state: 'uploading', nextIndex: 2 });
        expect((await store.listConversations(reader, null, 10)).conversations).toEqual([
          { conversationId: id, members: sortedKeys(devices) },
        ]);
        // Cursors continue where they stopped.
        const appended = await store.leaveConversation(id, reader, at(5_000));
        const next = appended.find((a) => Buffer.compare(a.device, reader) === 0)?.cursor;
        expect(next).toBe((logs[1]?.length ?? 0) + 1);
        expect(ofType(await allEvents(store, reader), 'conversation').at(-1)).toMatchObject({
          change: 'left',
        });
      });
    });
  });
}
