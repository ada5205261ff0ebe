import type Database from 'better-sqlite3';

/** One schema step: runs inside the opening transaction and must not touch `user_version`. */
export type Migration = (db: Database.Database) => void;

/** Ordered schema steps; `PRAGMA user_version` counts how many have been applied. Append only. */
export const MIGRATIONS: readonly Migration[] = [
  (db) => {
    // WITHOUT ROWID for small rows read by primary-key prefix; chunks and messages keep a rowid
    // because their rows are large (up to 63 KiB of ciphertext, 2 KiB of metadata).
    db.exec(`
      CREATE TABLE devices (
        key BLOB PRIMARY KEY,
        name TEXT NOT NULL,
        first_seen_ms INTEGER NOT NULL,
        last_seen_ms INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE conversations (
        id BLOB PRIMARY KEY,
        creator BLOB NOT NULL,
        created_ms INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE members (
        conversation_id BLOB NOT NULL REFERENCES conversations (id),
        device_key BLOB NOT NULL,
        PRIMARY KEY (conversation_id, device_key)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX members_by_device ON members (device_key, conversation_id);

      CREATE TABLE messages (
        id BLOB PRIMARY KEY,
        conversation_id BLOB NOT NULL REFERENCES conversations (id),
        sender BLOB NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('uploading', 'committed')),
        next_index INTEGER NOT NULL DEFAULT 0,
        stored_bytes INTEGER NOT NULL DEFAULT 0,
        chunk_count INTEGER,
        total_bytes INTEGER,
        metadata BLOB,
        begun_ms INTEGER NOT NULL,
        committed_ms INTEGER
      ) STRICT;
      CREATE INDEX messages_uploading_by_sender ON messages (sender) WHERE status = 'uploading';
      CREATE INDEX messages_uploading_by_age ON messages (begun_ms) WHERE status = 'uploading';

      CREATE TABLE wraps (
        message_id BLOB NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        device_key BLOB NOT NULL,
        wrapped BLOB NOT NULL,
        PRIMARY KEY (message_id, device_key)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE chunks (
        message_id BLOB NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        final INTEGER NOT NULL CHECK (final IN (0, 1)),
        data BLOB NOT NULL,
        PRIMARY KEY (message_id, idx)
      ) STRICT;

      CREATE TABLE receipts (
        message_id BLOB NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        device_key BLOB NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('delivered', 'played')),
        at_ms INTEGER NOT NULL,
        PRIMARY KEY (message_id, device_key, kind)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE device_cursors (
        device_key BLOB PRIMARY KEY,
        last_seq INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;

      -- No foreign key to messages: events only name committed messages, which are never deleted,
      -- and the key would make every upload deletion scan this table.
      CREATE TABLE events (
        device_key BLOB NOT NULL,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('message', 'receipt', 'conversation')),
        message_id BLOB,
        conversation_id BLOB,
        from_device BLOB,
        receipt_kind TEXT CHECK (receipt_kind IN ('delivered', 'played')),
        at_ms INTEGER,
        members BLOB,
        change TEXT CHECK (change IN ('created', 'joined', 'left')),
        PRIMARY KEY (device_key, seq)
      ) STRICT, WITHOUT ROWID;
    `);
  },
  (db) => {
    // The highest stored index and that of the final chunk, so the chunk path can advance
    // nextIndex and refuse a chunk after the final one (or a second final) without querying chunks.
    db.exec(`
      ALTER TABLE messages ADD COLUMN max_idx INTEGER;
      ALTER TABLE messages ADD COLUMN final_idx INTEGER;
      UPDATE messages SET
        max_idx = (SELECT max(idx) FROM chunks WHERE message_id = messages.id),
        final_idx = (SELECT max(idx) FROM chunks WHERE message_id = messages.id AND final = 1);
    `);
  },
];

/** The schema version this code writes: the number of known migrations. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database to SCHEMA_VERSION in one transaction; throws if it is newer than this code.
 * Returns the version found before migrating.
 */
export function migrate(db: Database.Database, file: string): number {
  const readVersion = (): number => db.pragma('user_version', { simple: true }) as number;
  const run = db.transaction((): number => {
    // Read inside the (immediate) transaction so two processes opening the file do not both migrate.
    const found = readVersion();
    if (found > SCHEMA_VERSION) {
      throw new Error(
        `Database ${file} has schema version ${found} but this server knows only up to ${SCHEMA_VERSION}; ` +
          'run a newer server or restore a backup made for this version.',
      );
    }
    for (const step of MIGRATIONS.slice(found)) step(db);
    // PRAGMA takes no bound parameters; SCHEMA_VERSION is an integer constant.
    if (found < SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return found;
  });
  return run.immediate();
}
