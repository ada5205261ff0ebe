// Child process for the SIGKILL durability test: writes, reports each acknowledged write on stdout,
// then waits to be killed. Usage: node --import tsx store.sqlite.child.ts <db file> <chunk count>
import { openSqliteStore } from '../../../../src/node/server/store/sqlite';
import { asCursor } from '../../../../src/shared/protocol';
import { at, chunkOf, newConversation, newMessageId, wrapFor } from './store.fixtures';

const [file, countArg] = process.argv.slice(2);
if (file === undefined || countArg === undefined) throw new TypeError('usage: <db file> <chunk count>');
const count = Number(countArg);
const store = openSqliteStore({ file });
const { id, creator, devices } = await newConversation(store, 1);
const messageId = newMessageId();
const wraps = devices.map((deviceKey) => ({ deviceKey, wrapped: wrapFor(messageId, deviceKey) }));
await store.beginUpload({ messageId, conversationId: id, sender: creator, wraps }, 8, at(1));
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
process.stdout.write(`begun ${hex(messageId)} ${hex(creator)} ${hex(devices[1] ?? creator)}\n`);
for (let i = 0; i < count; i++) {
  const { nextIndex: next } = await store.putChunk({ ...chunkOf(messageId, i, count), sender: creator });
  process.stdout.write(`ack ${next}\n`);
}
const { committedAt } = await store.commit(
  { messageId, sender: creator, chunkCount: count, metadata: Uint8Array.of(1, 2, 3) },
  at(2),
);
const { events } = await store.eventsAfter(devices[1] ?? creator, asCursor(0), 10);
process.stdout.write(`committed ${committedAt} ${events.length}\n`);
// Keep writing after the acknowledged commit, so the kill lands in the middle of work.
for (let i = 0; ; i++) await store.touchDevice(creator, `busy ${i}`, at(3 + i));
