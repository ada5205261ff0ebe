// The Outbox port on the profile database: each chunk's ciphertext and the record's new state are
// written in one transaction, fsynced, before the engine may send the chunk.
import type Database from 'better-sqlite3';
import type { Outbox, OutboxChunkUpdate, OutboxRecord } from '../../client/ports';
import type { SealedChunk } from '../../shared/crypto/message-crypto';
import {
  asConversationId,
  asDeviceKey,
  asMessageId,
  fromHex,
  toHex,
  type MessageId,
  type Wrap,
} from '../../shared/protocol';
import type { OutboxState } from '../../shared/sync';
import { attempt } from './attempt';
import { blob, metadataFromJson, metadataToJson, stateFromJson } from './sqlite-db';

interface OutboxRow {
  message_id: Buffer;
  conversation_id: Buffer;
  wraps: string;
  state: string;
  sealed_metadata: Buffer | null;
  metadata: string | null;
  created_ms: number;
}

interface ChunkRow {
  idx: number;
  final: number;
  data: Buffer;
}

function wrapsToJson(wraps: readonly Wrap[]): string {
  return JSON.stringify(wraps.map((wrap) => [toHex(wrap.deviceKey), toHex(wrap.wrapped)]));
}

function wrapsFromJson(text: string): Wrap[] {
  return (JSON.parse(text) as [string, string][]).map(([deviceKey, wrapped]) => ({
    deviceKey: asDeviceKey(fromHex(deviceKey)),
    wrapped: fromHex(wrapped),
  }));
}

function recordFromRow(row: OutboxRow): OutboxRecord {
  return {
    messageId: asMessageId(blob(row.message_id)),
    conversationId: asConversationId(blob(row.conversation_id)),
    wraps: wrapsFromJson(row.wraps),
    state: stateFromJson(row.state),
    sealedMetadata: row.sealed_metadata === null ? null : blob(row.sealed_metadata),
    metadata: row.metadata === null ? null : metadataFromJson(row.metadata),
    createdAtMs: row.created_ms,
  };
}

/** Outbox in SQLite. */
export class SqliteOutbox implements Outbox {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  create(record: OutboxRecord): Promise<void> {
    return attempt(() => {
      this.#db
        .prepare(
          `INSERT INTO outbox (message_id, conversation_id, wraps, state, sealed_metadata, metadata, created_ms)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          record.messageId,
          record.conversationId,
          wrapsToJson(record.wraps),
          JSON.stringify(record.state),
          record.sealedMetadata,
          record.metadata === null ? null : metadataToJson(record.metadata),
          record.createdAtMs,
        );
    });
  }

  putChunk(messageId: MessageId, chunk: SealedChunk, update: OutboxChunkUpdate): Promise<void> {
    return attempt(() => {
      this.#db.transaction(() => {
        // Plain INSERT: sealing the same index twice is a bug this must not paper over.
        this.#db
          .prepare('INSERT INTO outbox_chunks (message_id, idx, final, data) VALUES (?, ?, ?, ?)')
          .run(messageId, chunk.index, chunk.final ? 1 : 0, chunk.data);
        const { finish } = update;
        if (finish === undefined) {
          this.#db
            .prepare('UPDATE outbox SET state = ? WHERE message_id = ?')
            .run(JSON.stringify(update.state), messageId);
        } else {
          this.#db
            .prepare('UPDATE outbox SET state = ?, sealed_metadata = ?, metadata = ? WHERE message_id = ?')
            .run(
              JSON.stringify(update.state),
              finish.sealedMetadata,
              metadataToJson(finish.metadata),
              messageId,
            );
        }
      })();
    });
  }

  getChunk(messageId: MessageId, index: number): Promise<SealedChunk | null> {
    return attempt(() => {
      const row = this.#db
        .prepare('SELECT idx, final, data FROM outbox_chunks WHERE message_id = ? AND idx = ?')
        .get(messageId, index) as ChunkRow | undefined;
      return row === undefined ? null : { index: row.idx, final: row.final === 1, data: blob(row.data) };
    });
  }

  setState(messageId: MessageId, state: OutboxState): Promise<void> {
    return attempt(() => {
      this.#db
        .prepare('UPDATE outbox SET state = ? WHERE message_id = ?')
        .run(JSON.stringify(state), messageId);
    });
  }

  get(messageId: MessageId): Promise<OutboxRecord | null> {
    return attempt(() => {
      const row = this.#db.prepare('SELECT * FROM outbox WHERE message_id = ?').get(messageId) as
        OutboxRow | undefined;
      return row === undefined ? null : recordFromRow(row);
    });
  }

  list(): Promise<OutboxRecord[]> {
    return attempt(() =>
      (this.#db.prepare('SELECT * FROM outbox ORDER BY created_ms, rowid').all() as OutboxRow[]).map(
        recordFromRow,
      ),
    );
  }

  delete(messageId: MessageId): Promise<void> {
    return attempt(() => {
      this.#db.prepare('DELETE FROM outbox WHERE message_id = ?').run(messageId);
    });
  }
}
