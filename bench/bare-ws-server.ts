// Baseline for bench/server.ts: a bare `ws` server that stores the same chunk rows in the same
// SQLite schema with the same group commit (no Noise, no frame codec, no checks) and answers each
// chunk with a 4-byte ack.
// Wire format of a chunk message: messageId (16) ‖ u32le index ‖ u8 final ‖ data.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { WebSocketServer, type WebSocket } from 'ws';
import { openSqliteStore } from '../src/node/server/store/sqlite';

const dir = mkdtempSync(path.join(os.tmpdir(), 'sotto-bare-'));
const file = path.join(dir, 'bare.db');
// Let the real store create the schema, then write to it directly.
await openSqliteStore({ file }).close();
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
const conversation = Buffer.alloc(16, 7);
db.prepare('INSERT INTO conversations (id, creator, created_ms) VALUES (?, ?, ?)').run(
  conversation,
  Buffer.alloc(32),
  Date.now(),
);
const insertMessage = db.prepare(
  "INSERT OR IGNORE INTO messages (id, conversation_id, sender, status, begun_ms) VALUES (?, ?, ?, 'uploading', ?)",
);
const insertChunk = db.prepare('INSERT INTO chunks (message_id, idx, final, data) VALUES (?, ?, ?, ?)');
/** One chunk waiting for the shared commit, with the socket its ack goes to. */
interface Pending {
  readonly ws: WebSocket;
  readonly data: Buffer;
}
const storeBatch = db.transaction((batch: readonly Pending[]) => {
  for (const { data } of batch) {
    insertMessage.run(data.subarray(0, 16), conversation, Buffer.alloc(32), Date.now());
    insertChunk.run(data.subarray(0, 16), data.readUInt32LE(16), data[20] ?? 0, data.subarray(21));
  }
});

// The same group commit as the relay's store: chunks that arrive in one event-loop turn share one
// transaction, and every ack goes out after its COMMIT, so the baseline is not slowed by a
// transaction per chunk that the relay does not pay.
let pending: Pending[] | null = null;
function flush(): void {
  const batch = pending ?? [];
  pending = null;
  storeBatch(batch);
  for (const { ws, data } of batch) {
    const ack = Buffer.alloc(4);
    ack.writeUInt32LE(data.readUInt32LE(16) + 1);
    ws.send(ack);
  }
}

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data: Buffer) => {
    if (pending === null) {
      pending = [];
      setImmediate(flush);
    }
    pending.push({ ws, data });
  });
});
wss.on('listening', () => {
  const address = wss.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`Sotto listening on http://127.0.0.1:${port}/\n`);
});
