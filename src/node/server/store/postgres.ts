import pg from 'pg';
import type { Millis } from '../../../shared/brand';
import {
  ProtocolError,
  asChunkIndex,
  asConversationId,
  asCursor,
  asDeviceKey,
  fromHex,
  sameBytes,
  toHex,
  type ChunkIndex,
  type ConversationId,
  type ConversationInfo,
  type Cursor,
  type DeviceKey,
  type Event,
  type MessageId,
  type ReceiptKind,
  type UploadState,
} from '../../../shared/protocol';
import { redactUrl } from '../config';
import { conversationEvent, messageEvent, receiptEvent, type EventFields } from './eventlog';
import { migratePostgres } from './postgres-schema';
import {
  checkComplete,
  checkDistinctWraps,
  checkInFlight,
  checkLimit,
  checkMemberCount,
  mayWrite,
  requireUpload,
  restatedBegin,
  restatedCommit,
  uniqueKeys,
  unwrittenChunk,
} from './rules';
import {
  bytes,
  chunkFromRow,
  eventFromRow,
  type ChunkRow,
  type CompletenessRow,
  type EventRow,
  type MessageRow,
  type UploadRow,
} from './rows';
import type { Appended, CommitRequest, NewUpload, PutChunkResult, Store, StoredChunk } from './store';

/** Options of openPostgresStore. */
export interface PostgresStoreOptions {
  /** `postgres://user@host:port/database`, as in `DATABASE_URL`. */
  readonly url: string;
  /** Schema that holds the tables (created if missing); `public` by default. Tests use one each. */
  readonly schema?: string;
  /** Pool size: one connection writes, the others serve reads. */
  readonly maxConnections?: number;
}

/** A schema name that needs no quoting. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const DEFAULT_MAX_CONNECTIONS = 8;
/** OID of int8: counts, sums, milliseconds and cursors arrive as numbers (all below 2^53). */
const INT8_OID = 20;

/**
 * Opens the PostgreSQL store: creates the schema if needed and migrates it. Several server
 * processes may share one database; per-message work locks the message row, and each process
 * commits its own writes in call order.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_NAME.test(schema)) throw new TypeError(`schema: not a plain identifier: ${schema}`);
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, Number);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    options: `-c search_path=${schema}`,
    types,
    // The writer sends the fast statements of a batch without waiting for each reply.
    pipeline: true,
  });
  // An idle client's error (the server went away) must not crash the process; the next query fails.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await migratePostgres(client, redactUrl(options.url));
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new PostgresStore(pool);
}

/** Names of the prepared statements, by their text. */
const statementNames = new Map<string, string>();

/**
 * A named prepared statement: each connection parses and plans its text once. Planning the chunk
 * path's statements took two thirds of its time before. All texts here are constants, so the names
 * stay few.
 */
function statement(text: string, params: readonly unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `sotto_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return { name, text, values: [...params] };
}

/** Queries inside one transaction. */
class Tx {
  constructor(private readonly client: pg.PoolClient) {}

  async rows<R extends pg.QueryResultRow>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    return (await this.client.query<R>(statement(text, params))).rows;
  }

  async maybe<R extends pg.QueryResultRow>(
    text: string,
    params: readonly unknown[] = [],
  ): Promise<R | undefined> {
    return (await this.rows<R>(text, params))[0];
  }

  /** Runs a statement; returns how many rows it changed. */
  async run(text: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.client.query(statement(text, params))).rowCount ?? 0;
  }
}

/**
 * One statement that does a write's usual case, sent pipelined with its neighbours' (one round trip
 * for many); `outcome` turns its row into the write's result, or undefined when the usual case
 * did not apply and nothing was written, so the full `work` must run.
 */
interface FastPath {
  readonly text: string;
  readonly params: readonly unknown[];
  outcome(row: pg.QueryResultRow | undefined): unknown;
}

/** A write waiting for the next batch. */
interface PendingWrite {
  readonly work: (tx: Tx) => Promise<unknown>;
  /** Whether the work runs in its own savepoint (see #write). */
  readonly savepoint: boolean;
  /** A single statement that does the usual case of `work` (see #commitBatch). */
  readonly fast: FastPath | undefined;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

class PostgresStore implements Store {
  readonly #pool: pg.Pool;
  /** Writes waiting for the next batch, in call order. */
  #pending: PendingWrite[] = [];
  /** The running batch loop, if any. */
  #draining: Promise<void> | null = null;
  #closed = false;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  touchDevice(device: DeviceKey, name: string, now: Millis): Promise<void> {
    return this.#write(async (tx) => {
      await tx.run(
        `INSERT INTO devices (key, name, first_seen_ms, last_seen_ms) VALUES ($1, $2, $3, $3)
         ON CONFLICT (key) DO UPDATE
         SET name = excluded.name, last_seen_ms = GREATEST(devices.last_seen_ms, excluded.last_seen_ms)`,
        [device, name, now],
      );
    });
  }

  createConversation(
    id: ConversationId,
    creator: DeviceKey,
    members: readonly DeviceKey[],
    now: Millis,
  ): Promise<Appended> {
    return this.#write(async (tx) => {
      const all = uniqueKeys([creator, ...members]);
      const inserted = await tx.run(
        'INSERT INTO conversations (id, creator, created_ms) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING',
        [id, creator, now],
      );
      if (inserted === 0) {
        const existing = await tx.maybe<{ creator: Buffer }>(
          'SELECT creator FROM conversations WHERE id = $1',
          [id],
        );
        if (existing !== undefined && sameBytes(existing.creator, creator)) return [];
        throw new ProtocolError('ID_CONFLICT', `Conversation ${toHex(id)} already exists.`);
      }
      checkMemberCount(all.length);
      for (const member of all) await insertMember(tx, id, member);
      const after = await membersOf(tx, id);
      return appendEvents(tx, after, conversationEvent(id, after, 'created'));
    });
  }

  addMembers(
    id: ConversationId,
    by: DeviceKey,
    members: readonly DeviceKey[],
    _now: Millis,
  ): Promise<Appended> {
    return this.#write(async (tx) => {
      await lockConversation(tx, id);
      await requireMember(tx, id, by);
      let added = 0;
      for (const member of members) added += await insertMember(tx, id, member);
      if (added === 0) return [];
      const after = await membersOf(tx, id);
      checkMemberCount(after.length);
      return appendEvents(tx, after, conversationEvent(id, after, 'joined'));
    });
  }

  leaveConversation(id: ConversationId, device: DeviceKey, _now: Millis): Promise<Appended> {
    return this.#write(async (tx) => {
      await lockConversation(tx, id);
      await requireMember(tx, id, device);
      await tx.run('DELETE FROM members WHERE conversation_id = $1 AND device_key = $2', [id, device]);
      const remaining = await membersOf(tx, id);
      return appendEvents(tx, [device, ...remaining], conversationEvent(id, remaining, 'left'));
    });
  }

  listConversations(
    device: DeviceKey,
    after: ConversationId | null,
    limit: number,
  ): Promise<{ conversations: ConversationInfo[]; hasMore: boolean }> {
    return this.#read(async (tx) => {
      checkLimit(limit);
      // An empty bytea sorts before every id, so it stands for "from the first page".
      const ids = await tx.rows<{ conversation_id: Buffer }>(
        `SELECT conversation_id FROM members WHERE device_key = $1 AND conversation_id > $2
         ORDER BY conversation_id LIMIT $3`,
        [device, after ?? new Uint8Array(0), limit + 1],
      );
      const conversations: ConversationInfo[] = [];
      for (const row of ids.slice(0, limit)) {
        const conversationId = asConversationId(bytes(row.conversation_id));
        conversations.push({ conversationId, members: await membersOf(tx, conversationId) });
      }
      return { conversations, hasMore: ids.length > limit };
    });
  }

  beginUpload(upload: NewUpload, maxInFlight: number, now: Millis): Promise<ChunkIndex> {
    return this.#write(async (tx) => {
      const { messageId, conversationId, sender, wraps } = upload;
      await requireMember(tx, conversationId, sender);
      const existing = await messageRow(tx, messageId);
      if (existing !== undefined) return restatedBegin(existing, upload);
      checkDistinctWraps(wraps);
      for (const wrap of wraps) {
        if (!(await isMember(tx, conversationId, wrap.deviceKey))) {
          throw new ProtocolError('NOT_A_MEMBER', `A wrap names ${toHex(wrap.deviceKey)}, not a member.`);
        }
      }
      // Other processes may begin for the same device at once: count its uploads under a lock.
      await tx.run('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [toHex(sender)]);
      const uploading = await tx.maybe<{ count: number }>(
        "SELECT count(*) AS count FROM messages WHERE sender = $1 AND status = 'uploading'",
        [sender],
      );
      checkInFlight(uploading?.count ?? 0, maxInFlight);
      await tx.run(
        `INSERT INTO messages (id, conversation_id, sender, status, begun_ms) VALUES ($1, $2, $3, 'uploading', $4)`,
        [messageId, conversationId, sender, now],
      );
      for (const wrap of wraps) {
        await tx.run('INSERT INTO wraps (message_id, device_key, wrapped) VALUES ($1, $2, $3)', [
          messageId,
          wrap.deviceKey,
          wrap.wrapped,
        ]);
      }
      return asChunkIndex(0);
    });
  }

  putChunk(chunk: StoredChunk & { sender: DeviceKey }, maxMessageBytes = Infinity): Promise<PutChunkResult> {
    return this.#write((tx) => putChunk(tx, chunk, maxMessageBytes), {
      refusesBeforeWriting: true,
      fast: putChunkFast(chunk, maxMessageBytes),
    });
  }

  uploadState(
    messageId: MessageId,
    sender: DeviceKey,
  ): Promise<{ state: UploadState; nextIndex: ChunkIndex }> {
    return this.#read(async (tx) => {
      const message = await messageRow(tx, messageId);
      if (message === undefined || !sameBytes(message.sender, sender)) {
        return { state: 'unknown', nextIndex: asChunkIndex(0) };
      }
      return { state: message.status, nextIndex: asChunkIndex(message.next_index) };
    });
  }

  commit(commit: CommitRequest, now: Millis): Promise<{ committedAt: Millis; appended: Appended }> {
    return this.#write(
      async (tx) => {
        const { messageId, sender, chunkCount, metadata } = commit;
        const message = await ownMessage(tx, messageId, sender);
        if (message.status === 'committed') {
          const stored = await tx.maybe<{ metadata: Buffer | null }>(
            'SELECT metadata FROM messages WHERE id = $1',
            [messageId],
          );
          const committedAt = restatedCommit(message, stored?.metadata ?? new Uint8Array(0), commit);
          return { committedAt, appended: [] };
        }
        const conversationId = asConversationId(bytes(message.conversation_id));
        await requireMember(tx, conversationId, sender);
        const chunks = checkComplete(
          commit,
          await tx.maybe<CompletenessRow>(
            `SELECT count(*) AS count, max(idx) AS max_idx, coalesce(sum(final), 0) AS finals,
                    max(CASE WHEN final = 1 THEN idx END) AS final_idx,
                    coalesce(sum(octet_length(data)), 0) AS total_bytes
             FROM chunks WHERE message_id = $1`,
            [messageId],
          ),
        );
        await tx.run(
          `UPDATE messages
         SET status = 'committed', chunk_count = $1, total_bytes = $2, metadata = $3, committed_ms = $4
         WHERE id = $5`,
          [chunkCount, chunks.total_bytes, metadata, now, messageId],
        );
        const recipients = (await membersOf(tx, conversationId)).filter(
          (member) => !sameBytes(member, sender),
        );
        return { committedAt: now, appended: await appendEvents(tx, recipients, messageEvent(messageId)) };
      },
      { fast: commitFast(commit, now) },
    );
  }

  abort(messageId: MessageId, sender: DeviceKey): Promise<void> {
    return this.#write(async (tx) => {
      const message = await messageRow(tx, messageId, { lock: true });
      if (message === undefined || !sameBytes(message.sender, sender)) return;
      if (message.status === 'committed') {
        throw new ProtocolError('ALREADY_COMMITTED', `Message ${toHex(messageId)} is already sent.`);
      }
      await tx.run('DELETE FROM messages WHERE id = $1', [messageId]);
    });
  }

  expireUploads(olderThan: Millis): Promise<number> {
    return this.#write((tx) =>
      tx.run("DELETE FROM messages WHERE status = 'uploading' AND begun_ms < $1", [olderThan]),
    );
  }

  eventsAfter(
    device: DeviceKey,
    after: Cursor,
    limit: number,
  ): Promise<{ events: Event[]; hasMore: boolean }> {
    return this.#read(async (tx) => {
      checkLimit(limit);
      const rows = await tx.rows<EventRow>(
        `SELECT e.seq, e.kind, e.message_id, e.conversation_id, e.from_device, e.receipt_kind, e.at_ms,
                e.members, e.change,
                m.conversation_id AS m_conversation_id, m.sender AS m_sender,
                m.chunk_count AS m_chunk_count, m.total_bytes AS m_total_bytes,
                m.metadata AS m_metadata, m.committed_ms AS m_committed_ms,
                w.wrapped AS w_wrapped
         FROM events e
         LEFT JOIN messages m ON e.kind = 'message' AND m.id = e.message_id
         LEFT JOIN wraps w ON e.kind = 'message' AND w.message_id = e.message_id AND w.device_key = e.device_key
         WHERE e.device_key = $1 AND e.seq > $2
         ORDER BY e.seq LIMIT $3`,
        [device, after, limit + 1],
      );
      return { events: rows.slice(0, limit).map(eventFromRow), hasMore: rows.length > limit };
    });
  }

  readChunks(
    messageId: MessageId,
    reader: DeviceKey,
    fromIndex: ChunkIndex,
    limit: number,
  ): Promise<{ chunks: StoredChunk[]; chunkCount: number }> {
    return this.#read(async (tx) => {
      checkLimit(limit);
      const { chunkCount } = await committedMessageFor(tx, messageId, reader);
      const rows = await tx.rows<ChunkRow>(
        'SELECT idx, final, data FROM chunks WHERE message_id = $1 AND idx >= $2 ORDER BY idx LIMIT $3',
        [messageId, fromIndex, limit],
      );
      return { chunks: rows.map((row) => chunkFromRow(row, messageId)), chunkCount };
    });
  }

  addReceipt(messageId: MessageId, from: DeviceKey, kind: ReceiptKind, now: Millis): Promise<Appended> {
    return this.#write(async (tx) => {
      const { sender } = await committedMessageFor(tx, messageId, from);
      if (sameBytes(sender, from)) {
        throw new ProtocolError('BAD_VALUE', 'A device cannot send a receipt for its own message.');
      }
      const inserted = await tx.run(
        `INSERT INTO receipts (message_id, device_key, kind, at_ms) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING`,
        [messageId, from, kind, now],
      );
      if (inserted === 0) return [];
      return appendEvents(tx, [sender], receiptEvent(messageId, from, kind, now));
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#draining;
    await this.#pool.end();
  }

  /**
   * Queues `work` for the writer. Writes run in call order on one connection, in batches: the
   * writes requested while a batch is committing form the next one, a transaction with a savepoint
   * per write, so a refusal rolls back only its own work. Every promise settles after its batch's
   * COMMIT, so a resolved write is durable. `refusesBeforeWriting` skips the savepoint for work that
   * refuses only before its first write (the chunk path); `fast` is its usual case as one statement.
   */
  #write<T>(
    work: (tx: Tx) => Promise<T>,
    { refusesBeforeWriting = false, fast }: { refusesBeforeWriting?: boolean; fast?: FastPath } = {},
  ): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('store: closed'));
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ work, savepoint: !refusesBeforeWriting, fast, resolve, reject });
      this.#draining ??= this.#drain();
    });
  }

  async #drain(): Promise<void> {
    // Let the rest of this turn's writes join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.#pending.length > 0) await this.#commitBatch(this.#pending.splice(0));
    this.#draining = null;
  }

  async #commitBatch(batch: readonly PendingWrite[]): Promise<void> {
    const outcomes: Outcome[] = [];
    let client: pg.PoolClient | null = null;
    try {
      client = await this.#pool.connect();
      const tx = new Tx(client);
      await client.query('BEGIN');
      for (let at = 0; at < batch.length;) {
        let end = at;
        while (batch[end]?.fast !== undefined) end++;
        if (end === at) {
          const item = batch[at];
          if (item !== undefined) outcomes.push(await runWork(client, tx, item));
          at++;
          continue;
        }
        // A run of writes with a fast path (a busy upload's chunks): one round trip if all apply.
        const run = batch.slice(at, end);
        const fast = await tryFastPaths(client, run);
        if (fast !== null) outcomes.push(...fast);
        else for (const item of run) outcomes.push(await runWork(client, tx, item));
        at = end;
      }
      // COMMIT of an aborted transaction answers ROLLBACK rather than failing: check which it was.
      const { command } = await client.query('COMMIT');
      if (command !== 'COMMIT') throw new Error(`store: the batch transaction ended with ${command}`);
    } catch (error) {
      await client?.query('ROLLBACK').catch(() => undefined);
      client?.release(error instanceof Error ? error : true);
      for (const item of batch) item.reject(error);
      return;
    }
    client.release();
    batch.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok === true) item.resolve(outcome.value);
      else item.reject(outcome?.error);
    });
  }

  /** Runs `work` in a read-only REPEATABLE READ transaction: one snapshot for several reads. */
  async #read<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error('store: closed');
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const value = await work(new Tx(client));
      await client.query('COMMIT');
      client.release();
      return value;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
      throw error;
    }
  }
}

/** How one write of a batch ended. */
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Runs one write's full work, in its own savepoint unless it refuses only before writing. Without
 * a savepoint only a refusal leaves the transaction usable: a database error has aborted it, and
 * is thrown so the whole batch fails.
 */
async function runWork(client: pg.PoolClient, tx: Tx, item: PendingWrite): Promise<Outcome> {
  if (item.savepoint) send(client, 'SAVEPOINT write');
  try {
    const value = await item.work(tx);
    if (item.savepoint) send(client, 'RELEASE SAVEPOINT write');
    return { ok: true, value };
  } catch (error) {
    if (!item.savepoint && !(error instanceof ProtocolError)) throw error;
    if (item.savepoint) send(client, 'ROLLBACK TO SAVEPOINT write');
    return { ok: false, error };
  }
}

/**
 * Sends a transaction-control statement without waiting for its reply: the connection pipelines
 * it ahead of the next query. Should it fail, the transaction is aborted, every later statement
 * fails, and COMMIT answers ROLLBACK, which #commitBatch turns into a failed batch.
 */
function send(client: pg.PoolClient, text: string): void {
  client.query(text).catch(() => undefined);
}

/**
 * Sends the fast statements of consecutive writes at once (the connection pipelines them) inside
 * one savepoint. When every one took its usual case, their outcomes are returned; otherwise the
 * savepoint is rolled back, as if none had run, and null tells the caller to run the writes one
 * by one, so writes still apply in call order.
 */
async function tryFastPaths(client: pg.PoolClient, run: readonly PendingWrite[]): Promise<Outcome[] | null> {
  // A fast statement that does not apply writes nothing, so a lone one needs no savepoint.
  const guarded = run.length > 1;
  const savepoint = guarded ? client.query('SAVEPOINT fast') : Promise.resolve();
  const results = run.map((item) =>
    client.query(statement(item.fast?.text ?? '', item.fast?.params ?? [])).then(
      (result) => ({ value: item.fast?.outcome(result.rows[0] as pg.QueryResultRow | undefined) }),
      () => ({ value: undefined }),
    ),
  );
  await savepoint;
  const outcomes = await Promise.all(results);
  const applied = outcomes.every((outcome) => outcome.value !== undefined);
  if (guarded) {
    if (!applied) await client.query('ROLLBACK TO SAVEPOINT fast');
    await client.query('RELEASE SAVEPOINT fast');
  }
  return applied ? outcomes.map(({ value }) => ({ ok: true, value })) : null;
}

/**
 * The usual commit in one statement: an upload of the sender's, who is a member, with chunks
 * 0..n-1 and only the last final. It marks the message committed and appends a `message` event to
 * every other member's log (cursor rows bumped in key order, as appendEvents does). Anything else
 * (a repeat, an incomplete upload, a refusal) writes nothing and falls to `commit`.
 */
function commitFast(commit: CommitRequest, now: Millis): FastPath {
  const { messageId, sender, chunkCount, metadata } = commit;
  return {
    text: `WITH upload AS (
             SELECT m.id, m.conversation_id FROM messages m
             WHERE m.id = $1 AND m.sender = $2 AND m.status = 'uploading'
               AND EXISTS (SELECT 1 FROM members WHERE conversation_id = m.conversation_id AND device_key = $2)
             FOR UPDATE),
           complete AS (
             SELECT u.id, c.total_bytes FROM upload u,
               LATERAL (SELECT count(*) AS count, max(idx) AS max_idx, coalesce(sum(final), 0) AS finals,
                               max(CASE WHEN final = 1 THEN idx END) AS final_idx,
                               coalesce(sum(octet_length(data)), 0) AS total_bytes
                        FROM chunks WHERE message_id = u.id) c
             WHERE c.count = $3 AND c.max_idx = $3 - 1 AND c.finals = 1 AND c.final_idx = $3 - 1),
           committed AS (
             UPDATE messages m SET status = 'committed', chunk_count = $3, total_bytes = c.total_bytes,
                    metadata = $4, committed_ms = $5
             FROM complete c WHERE m.id = c.id
             RETURNING m.conversation_id),
           cursors AS (
             INSERT INTO device_cursors (device_key, last_seq)
             SELECT device_key, 1 FROM members
             WHERE conversation_id = (SELECT conversation_id FROM committed) AND device_key <> $2
             ORDER BY device_key
             ON CONFLICT (device_key) DO UPDATE SET last_seq = device_cursors.last_seq + 1
             RETURNING device_key, last_seq),
           appended AS (
             INSERT INTO events (device_key, seq, kind, message_id)
             SELECT device_key, last_seq, 'message', $1 FROM cursors
             RETURNING device_key, seq)
           SELECT (SELECT count(*) FROM committed) AS applied,
                  coalesce(json_agg(json_build_object('device', encode(device_key, 'hex'), 'seq', seq)
                                    ORDER BY device_key), '[]') AS appended
           FROM appended`,
    params: [messageId, sender, chunkCount, metadata, now],
    outcome(row) {
      if (row === undefined || Number(row.applied) !== 1) return undefined;
      const appended = row.appended as { device: string; seq: number }[];
      return {
        committedAt: now,
        appended: appended.map(({ device, seq }) => ({
          device: asDeviceKey(fromHex(device)),
          cursor: asCursor(seq),
        })),
      };
    },
  };
}

/**
 * The usual chunk in one statement: the next in order, by a member, before any final chunk, within
 * the quota; the row lock makes chunks, commit and abort of one message take turns, whichever
 * process runs them. Anything else (out of order, a repeat, a refusal) writes nothing and falls to
 * `putChunk`.
 */
function putChunkFast(chunk: StoredChunk & { sender: DeviceKey }, maxMessageBytes: number): FastPath {
  const { messageId, index, final, data, sender } = chunk;
  return {
    text: `WITH upload AS (
             SELECT m.id FROM messages m
             WHERE m.id = $1 AND m.sender = $2 AND m.status = 'uploading' AND m.next_index = $3
               AND (m.max_idx IS NULL OR m.max_idx < $3) AND m.final_idx IS NULL
               AND ($6::bigint IS NULL OR m.stored_bytes + $5 <= $6)
               AND EXISTS (SELECT 1 FROM members WHERE conversation_id = m.conversation_id AND device_key = $2)
             FOR UPDATE),
           stored AS (
             INSERT INTO chunks (message_id, idx, final, data) SELECT id, $3, $4, $7 FROM upload
             ON CONFLICT DO NOTHING RETURNING idx)
           UPDATE messages SET stored_bytes = stored_bytes + $5, next_index = $3 + 1, max_idx = $3,
                  final_idx = CASE WHEN $4 = 1 THEN $3 END
           WHERE id = $1 AND EXISTS (SELECT 1 FROM stored)
           RETURNING next_index`,
    params: [
      messageId,
      sender,
      index,
      final ? 1 : 0,
      data.length,
      Number.isFinite(maxMessageBytes) ? maxMessageBytes : null,
      data,
    ],
    outcome: (row) =>
      row === undefined ? undefined : { nextIndex: asChunkIndex(Number(row.next_index)), repeated: false },
  };
}

/** The chunk path in general (see Store.putChunk); refuses only before its first write. */
async function putChunk(
  tx: Tx,
  chunk: StoredChunk & { sender: DeviceKey },
  maxMessageBytes: number,
): Promise<PutChunkResult> {
  const { messageId, index, final, data, sender } = chunk;
  const upload = requireUpload(
    await tx.maybe<UploadRow>(
      `SELECT m.status, m.next_index, m.stored_bytes, m.max_idx, m.final_idx,
              EXISTS (SELECT 1 FROM members WHERE conversation_id = m.conversation_id AND device_key = $2)::int
                AS is_member
       FROM messages m WHERE m.id = $1 AND m.sender = $2 FOR UPDATE OF m`,
      [messageId, sender],
    ),
    messageId,
  );
  if (mayWrite(upload, chunk, maxMessageBytes)) {
    const inserted = await tx.run(
      `WITH stored AS (
         INSERT INTO chunks (message_id, idx, final, data) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING idx)
       UPDATE messages SET stored_bytes = stored_bytes + $5,
              max_idx = GREATEST(coalesce(max_idx, -1), $2), final_idx = coalesce(final_idx, $6)
       WHERE id = $1 AND EXISTS (SELECT 1 FROM stored)`,
      [messageId, index, final ? 1 : 0, data, data.length, final ? index : null],
    );
    if (inserted === 1) {
      if (index !== upload.next_index) return { nextIndex: asChunkIndex(upload.next_index), repeated: false };
      // This chunk filled the gap at nextIndex: the run may now reach past chunks stored earlier.
      const next = await contiguousEnd(tx, messageId, index);
      await tx.run('UPDATE messages SET next_index = $1 WHERE id = $2', [next, messageId]);
      return { nextIndex: asChunkIndex(next), repeated: false };
    }
  }
  // Already stored (or committed, or refused): a byte-identical repeat is acknowledged again.
  const stored = await tx.maybe<ChunkRow>(
    'SELECT idx, final, data FROM chunks WHERE message_id = $1 AND idx = $2',
    [messageId, index],
  );
  return unwrittenChunk(upload, chunk, stored, maxMessageBytes);
}

async function insertMember(tx: Tx, id: ConversationId, member: DeviceKey): Promise<number> {
  return tx.run('INSERT INTO members (conversation_id, device_key) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
    id,
    member,
  ]);
}

/** Members in ascending key byte order. */
async function membersOf(tx: Tx, id: ConversationId): Promise<DeviceKey[]> {
  const rows = await tx.rows<{ device_key: Buffer }>(
    'SELECT device_key FROM members WHERE conversation_id = $1 ORDER BY device_key',
    [id],
  );
  return rows.map((row) => asDeviceKey(bytes(row.device_key)));
}

async function isMember(tx: Tx, id: ConversationId, device: DeviceKey): Promise<boolean> {
  return (
    (await tx.maybe('SELECT 1 FROM members WHERE conversation_id = $1 AND device_key = $2', [id, device])) !==
    undefined
  );
}

async function requireMember(tx: Tx, id: ConversationId, device: DeviceKey): Promise<void> {
  if (!(await isMember(tx, id, device))) {
    throw new ProtocolError('NOT_A_MEMBER', `This device is not a member of conversation ${toHex(id)}.`);
  }
}

/** Membership changes of one conversation take turns across processes (the member cap holds). */
async function lockConversation(tx: Tx, id: ConversationId): Promise<void> {
  await tx.run('SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE', [id]);
}

async function messageRow(
  tx: Tx,
  messageId: MessageId,
  { lock = false } = {},
): Promise<MessageRow | undefined> {
  return tx.maybe<MessageRow>(
    `SELECT conversation_id, sender, status, next_index, stored_bytes, chunk_count, committed_ms
     FROM messages WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [messageId],
  );
}

/** The message (locked) if `sender` began it; UNKNOWN_MESSAGE otherwise. */
async function ownMessage(tx: Tx, messageId: MessageId, sender: DeviceKey): Promise<MessageRow> {
  const message = await messageRow(tx, messageId, { lock: true });
  if (message === undefined || !sameBytes(message.sender, sender)) {
    throw new ProtocolError('UNKNOWN_MESSAGE', `No upload ${toHex(messageId)} by this device.`);
  }
  return message;
}

/** Sender and chunk count of a committed message that `reader` may see (UNKNOWN_MESSAGE, NOT_A_MEMBER). */
async function committedMessageFor(
  tx: Tx,
  messageId: MessageId,
  reader: DeviceKey,
): Promise<{ sender: DeviceKey; chunkCount: number }> {
  const message = await messageRow(tx, messageId);
  if (message === undefined) throw new ProtocolError('UNKNOWN_MESSAGE', `No message ${toHex(messageId)}.`);
  await requireMember(tx, asConversationId(bytes(message.conversation_id)), reader);
  if (message.status !== 'committed' || message.chunk_count === null) {
    throw new ProtocolError('UNKNOWN_MESSAGE', `Message ${toHex(messageId)} is not sent yet.`);
  }
  return { sender: asDeviceKey(bytes(message.sender)), chunkCount: message.chunk_count };
}

/** The end of the contiguous run of chunks starting at `from` (which is stored). */
async function contiguousEnd(tx: Tx, messageId: MessageId, from: number): Promise<number> {
  const row = await tx.maybe<{ next: number }>(
    `SELECT c.idx + 1 AS next FROM chunks c
     WHERE c.message_id = $1 AND c.idx >= $2
       AND NOT EXISTS (SELECT 1 FROM chunks d WHERE d.message_id = $1 AND d.idx = c.idx + 1)
     ORDER BY c.idx LIMIT 1`,
    [messageId, from],
  );
  return row?.next ?? from + 1;
}

/**
 * Appends one event to each device's log under the device's next cursor, inside the caller's
 * transaction (DESIGN.md §7). Counter rows are bumped in key order, so two processes appending
 * for the same devices lock them in the same order and cannot deadlock.
 */
async function appendEvents(tx: Tx, devices: readonly DeviceKey[], fields: EventFields): Promise<Appended> {
  const cursors = new Map<string, Cursor>();
  for (const device of [...devices].sort(compareBytes)) {
    const row = await tx.maybe<{ last_seq: number }>(
      `INSERT INTO device_cursors (device_key, last_seq) VALUES ($1, 1)
       ON CONFLICT (device_key) DO UPDATE SET last_seq = device_cursors.last_seq + 1
       RETURNING last_seq`,
      [device],
    );
    if (row === undefined) throw new Error('store: cursor allocation returned no row');
    await tx.run(
      `INSERT INTO events
         (device_key, seq, kind, message_id, conversation_id, from_device, receipt_kind, at_ms, members, change)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        device,
        row.last_seq,
        fields.kind,
        fields.message_id,
        fields.conversation_id,
        fields.from_device,
        fields.receipt_kind,
        fields.at_ms,
        fields.members,
        fields.change,
      ],
    );
    cursors.set(toHex(device), asCursor(row.last_seq));
  }
  return devices.map((device) => ({ device, cursor: cursors.get(toHex(device)) ?? asCursor(0) }));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}
