// Baseline for bench/server.ts: a bare `ws` server that stores the same chunk rows in the same
// SQLite schema (no Noise, no frame codec, no checks) and answers each chunk with a 4-byte ack.
// Wire format of a chunk message: messageId (16) ‖ u32le index ‖ u8 final ‖ data.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { WebSocketServer } from 'ws';
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
const store = db.transaction((messageId: Buffer, index: number, final: number, data: Buffer) => {
  insertMessage.run(messageId, conversation, Buffer.alloc(32), Date.now());
  insertChunk.run(messageId, index, final, data);
});

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data: Buffer) => {
    const index = data.readUInt32LE(16);
    store(data.subarray(0, 16), index, data[20] ?? 0, data.subarray(21));
    const ack = Buffer.alloc(4);
    ack.writeUInt32LE(index + 1);
    ws.send(ack);
  });
});
wss.on('listening', () => {
  const address = wss.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`Sotto listening on http://127.0.0.1:${port}/\n`);
});
