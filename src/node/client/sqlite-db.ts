// The profile's SQLite database (better-sqlite3): schema, pragmas and the row codecs the outbox,
// inbox and contacts adapters share. One file, `sotto.db`, mode 0600, WAL, fsync on commit.
import { chmodSync, closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { MessageMetadata } from '../../shared/crypto/message-crypto';
import { asConversationId, fromHex, toHex } from '../../shared/protocol';
import type { OutboxState } from '../../shared/sync';

/** File of the database inside the profile directory. */
export const DATABASE_FILE = 'sotto.db';
/** A second process (e.g. `listen` and `status` at once) waits this long for a lock. */
const BUSY_TIMEOUT_MS = 5_000;

/** Schema steps; `PRAGMA user_version` counts those applied. Append only. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE contacts (
    device_key BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('contact', 'request')),
    conversation_id BLOB NOT NULL,
    added_ms INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE conversations (
    id BLOB PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('direct', 'group')),
    title TEXT NOT NULL,
    members BLOB NOT NULL,
    on_server INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE outbox (
    message_id BLOB PRIMARY KEY,
    conversation_id BLOB NOT NULL,
    wraps TEXT NOT NULL,
    state TEXT NOT NULL,
    sealed_metadata BLOB,
    metadata TEXT,
    created_ms INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE outbox_chunks (
    message_id BLOB NOT NULL REFERENCES outbox (message_id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    final INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (message_id, idx)
  ) STRICT;
  CREATE TABLE inbox (
    message_id BLOB PRIMARY KEY,
    conversation_id BLOB NOT NULL,
    sender BLOB NOT NULL,
    request INTEGER NOT NULL,
    metadata TEXT NOT NULL,
    audio BLOB NOT NULL,
    committed_ms INTEGER NOT NULL,
    received_ms INTEGER NOT NULL,
    played_ms INTEGER,
    delivered TEXT NOT NULL,
    played TEXT NOT NULL
  ) STRICT;
  CREATE TABLE rejected (
    message_id BLOB PRIMARY KEY,
    sender BLOB NOT NULL,
    code TEXT NOT NULL,
    reason TEXT NOT NULL
  ) STRICT;
  CREATE TABLE downloads (
    message_id BLOB NOT NULL,
    idx INTEGER NOT NULL,
    final INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (message_id, idx)
  ) STRICT;
  CREATE TABLE cursors (
    origin TEXT PRIMARY KEY,
    cursor INTEGER NOT NULL
  ) STRICT;
  `,
];

/** Opens (creating with mode 0600 and migrating) the profile database. */
export function openProfileDatabase(file: string): Database.Database {
  // Create the file ourselves so it starts owner-only; SQLite gives -wal/-shm the same mode.
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    // FULL: a chunk is on disk before the engine offers it to the network (principle 2).
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.transaction(() => {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > MIGRATIONS.length) {
        throw new Error(`${file} was written by a newer Sotto (schema ${version}); update the CLI`);
      }
      for (const migration of MIGRATIONS.slice(version)) db.exec(migration);
      db.pragma(`user_version = ${MIGRATIONS.length}`);
    }).immediate();
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** A Uint8Array view of a BLOB column (better-sqlite3 returns Buffers). */
export function blob(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError('expected a BLOB column');
  return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
}

/** Metadata as stored (JSON with the conversation id in hex). */
export function metadataToJson(metadata: MessageMetadata): string {
  return JSON.stringify({ ...metadata, conversationId: toHex(metadata.conversationId) });
}

/** Reads metadata stored by `metadataToJson`. */
export function metadataFromJson(text: string): MessageMetadata {
  const parsed = JSON.parse(text) as Omit<MessageMetadata, 'conversationId'> & { conversationId: string };
  return { ...parsed, conversationId: asConversationId(fromHex(parsed.conversationId)) };
}

const STATE_TYPES = new Set(['recording', 'sealed', 'uploading', 'sent', 'delivered', 'played', 'failed']);

/** Reads an outbox state stored as JSON, checking its discriminant. */
export function stateFromJson(text: string): OutboxState {
  const parsed = JSON.parse(text) as { type?: unknown };
  if (typeof parsed.type !== 'string' || !STATE_TYPES.has(parsed.type)) {
    throw new TypeError(`not an outbox state: ${text.slice(0, 80)}`);
  }
  return parsed as OutboxState;
}
