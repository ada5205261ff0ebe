import type pg from 'pg';

/**
 * Ordered schema steps for PostgreSQL; `sotto_schema.version` counts how many have been applied.
 * Append only. The tables mirror the SQLite schema (migrations.ts) column for column, so the row
 * shapes of rows.ts fit both: bytea for keys, ids and ciphertext, integer for indexes and counts,
 * bigint for milliseconds and cursors, smallint 0/1 for flags.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE devices (
    key bytea PRIMARY KEY,
    name text NOT NULL,
    first_seen_ms bigint NOT NULL,
    last_seen_ms bigint NOT NULL
  );

  CREATE TABLE conversations (
    id bytea PRIMARY KEY,
    creator bytea NOT NULL,
    created_ms bigint NOT NULL
  );

  CREATE TABLE members (
    conversation_id bytea NOT NULL REFERENCES conversations (id),
    device_key bytea NOT NULL,
    PRIMARY KEY (conversation_id, device_key)
  );
  CREATE INDEX members_by_device ON members (device_key, conversation_id);

  CREATE TABLE messages (
    id bytea PRIMARY KEY,
    conversation_id bytea NOT NULL REFERENCES conversations (id),
    sender bytea NOT NULL,
    status text NOT NULL CHECK (status IN ('uploading', 'committed')),
    next_index integer NOT NULL DEFAULT 0,
    stored_bytes bigint NOT NULL DEFAULT 0,
    max_idx integer,
    final_idx integer,
    chunk_count integer,
    total_bytes bigint,
    metadata bytea,
    begun_ms bigint NOT NULL,
    committed_ms bigint
  );
  CREATE INDEX messages_uploading_by_sender ON messages (sender) WHERE status = 'uploading';
  CREATE INDEX messages_uploading_by_age ON messages (begun_ms) WHERE status = 'uploading';

  CREATE TABLE wraps (
    message_id bytea NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    device_key bytea NOT NULL,
    wrapped bytea NOT NULL,
    PRIMARY KEY (message_id, device_key)
  );

  CREATE TABLE chunks (
    message_id bytea NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    idx integer NOT NULL,
    final smallint NOT NULL CHECK (final IN (0, 1)),
    data bytea NOT NULL,
    PRIMARY KEY (message_id, idx)
  );
  -- Ciphertext does not compress: never try, and keep a usual chunk (a few KB) in its row.
  ALTER TABLE chunks ALTER COLUMN data SET STORAGE EXTERNAL;
  ALTER TABLE chunks SET (toast_tuple_target = 8160);

  CREATE TABLE receipts (
    message_id bytea NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    device_key bytea NOT NULL,
    kind text NOT NULL CHECK (kind IN ('delivered', 'played')),
    at_ms bigint NOT NULL,
    PRIMARY KEY (message_id, device_key, kind)
  );

  -- One counter row per device, bumped inside the appending transaction (DESIGN.md §7): cursors are
  -- never a global sequence, whose values PostgreSQL makes visible in commit order.
  CREATE TABLE device_cursors (
    device_key bytea PRIMARY KEY,
    last_seq bigint NOT NULL
  );

  -- No foreign key to messages: events only name committed messages, which are never deleted.
  CREATE TABLE events (
    device_key bytea NOT NULL,
    seq bigint NOT NULL,
    kind text NOT NULL CHECK (kind IN ('message', 'receipt', 'conversation')),
    message_id bytea,
    conversation_id bytea,
    from_device bytea,
    receipt_kind text CHECK (receipt_kind IN ('delivered', 'played')),
    at_ms bigint,
    members bytea,
    change text CHECK (change IN ('created', 'joined', 'left')),
    PRIMARY KEY (device_key, seq)
  );
  `,
];

/** The schema version this code writes. */
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.length;

/** Key of the transaction-level advisory lock that keeps two processes from migrating at once. */
const MIGRATION_LOCK = 0x5077_0001;

/**
 * Brings the current schema (the connection's search_path) to POSTGRES_SCHEMA_VERSION in one
 * transaction; throws if the database is newer than this code. Returns the version found.
 */
export async function migratePostgres(client: pg.PoolClient, where: string): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS sotto_schema (version integer NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM sotto_schema');
    const found = rows[0]?.version ?? 0;
    if (rows.length === 0) await client.query('INSERT INTO sotto_schema (version) VALUES (0)');
    if (found > POSTGRES_SCHEMA_VERSION) {
      throw new Error(
        `Database ${where} has schema version ${found} but this server knows only up to ` +
          `${POSTGRES_SCHEMA_VERSION}; run a newer server or restore a backup made for this version.`,
      );
    }
    for (const step of POSTGRES_MIGRATIONS.slice(found)) await client.query(step);
    await client.query('UPDATE sotto_schema SET version = $1', [POSTGRES_SCHEMA_VERSION]);
    await client.query('COMMIT');
    return found;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}
