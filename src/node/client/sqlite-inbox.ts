// The Inbox port on the profile database: partial downloads, verified messages, rejections,
// receipts owed, and the event cursor per server.
import type Database from 'better-sqlite3';
import type { Download, Inbox, InboxMessage, ReceiptDue } from '../../client/ports';
import type { SealedChunk } from '../../shared/crypto/message-crypto';
import {
  CURSOR_START,
  asConversationId,
  asCursor,
  asDeviceKey,
  asMessageId,
  type Cursor,
  type DeviceKey,
  type MessageId,
} from '../../shared/protocol';
import { attempt } from './attempt';
import { blob, metadataFromJson, metadataToJson } from './sqlite-db';

interface InboxRow {
  message_id: Buffer;
  conversation_id: Buffer;
  sender: Buffer;
  request: number;
  metadata: string;
  audio: Buffer;
  committed_ms: number;
  received_ms: number;
  played_ms: number | null;
  delivered: ReceiptDue;
  played: ReceiptDue;
}

function messageFromRow(row: InboxRow): InboxMessage {
  return {
    messageId: asMessageId(blob(row.message_id)),
    conversationId: asConversationId(blob(row.conversation_id)),
    sender: asDeviceKey(blob(row.sender)),
    request: row.request === 1,
    metadata: metadataFromJson(row.metadata),
    audio: blob(row.audio),
    committedAtMs: row.committed_ms,
    receivedAtMs: row.received_ms,
    playedAtMs: row.played_ms,
    delivered: row.delivered,
    played: row.played,
  };
}

/** Inbox in SQLite. */
export class SqliteInbox implements Inbox {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  cursor(origin: string): Promise<Cursor> {
    return attempt(() => {
      const row = this.#db.prepare('SELECT cursor FROM cursors WHERE origin = ?').get(origin) as
        { cursor: number } | undefined;
      return row === undefined ? CURSOR_START : asCursor(row.cursor);
    });
  }

  setCursor(origin: string, cursor: Cursor): Promise<void> {
    return attempt(() => {
      // Never backwards: a second process on the same profile may have got further.
      this.#db
        .prepare(
          `INSERT INTO cursors (origin, cursor) VALUES (?, ?)
           ON CONFLICT (origin) DO UPDATE SET cursor = max(cursor, excluded.cursor)`,
        )
        .run(origin, cursor);
    });
  }

  has(messageId: MessageId): Promise<boolean> {
    return attempt(
      () =>
        this.#db
          .prepare(
            'SELECT 1 FROM inbox WHERE message_id = ? UNION ALL SELECT 1 FROM rejected WHERE message_id = ? LIMIT 1',
          )
          .get(messageId, messageId) !== undefined,
    );
  }

  putDownloadedChunk(download: Download, chunk: SealedChunk): Promise<void> {
    return attempt(() => {
      this.#db
        .prepare('INSERT OR REPLACE INTO downloads (message_id, idx, final, data) VALUES (?, ?, ?, ?)')
        .run(download.messageId, chunk.index, chunk.final ? 1 : 0, chunk.data);
    });
  }

  downloadedChunks(messageId: MessageId): Promise<SealedChunk[]> {
    return attempt(() =>
      (
        this.#db
          .prepare('SELECT idx, final, data FROM downloads WHERE message_id = ? ORDER BY idx')
          .all(messageId) as {
          idx: number;
          final: number;
          data: Buffer;
        }[]
      ).map((row) => ({ index: row.idx, final: row.final === 1, data: blob(row.data) })),
    );
  }

  complete(message: InboxMessage): Promise<void> {
    return attempt(() => {
      this.#db.transaction(() => {
        this.#db
          .prepare(
            `INSERT OR IGNORE INTO inbox (message_id, conversation_id, sender, request, metadata, audio,
               committed_ms, received_ms, played_ms, delivered, played)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            message.messageId,
            message.conversationId,
            message.sender,
            message.request ? 1 : 0,
            metadataToJson(message.metadata),
            message.audio,
            message.committedAtMs,
            message.receivedAtMs,
            message.playedAtMs,
            message.delivered,
            message.played,
          );
        this.#db.prepare('DELETE FROM downloads WHERE message_id = ?').run(message.messageId);
      })();
    });
  }

  reject(messageId: MessageId, sender: DeviceKey, code: string, reason: string): Promise<void> {
    return attempt(() => {
      this.#db.transaction(() => {
        this.#db
          .prepare('INSERT OR REPLACE INTO rejected (message_id, sender, code, reason) VALUES (?, ?, ?, ?)')
          .run(messageId, sender, code, reason);
        this.#db.prepare('DELETE FROM downloads WHERE message_id = ?').run(messageId);
      })();
    });
  }

  get(messageId: MessageId): Promise<InboxMessage | null> {
    return attempt(() => {
      const row = this.#db.prepare('SELECT * FROM inbox WHERE message_id = ?').get(messageId) as
        InboxRow | undefined;
      return row === undefined ? null : messageFromRow(row);
    });
  }

  list(): Promise<InboxMessage[]> {
    return attempt(() =>
      (this.#db.prepare('SELECT * FROM inbox ORDER BY received_ms, rowid').all() as InboxRow[]).map(
        messageFromRow,
      ),
    );
  }

  markPlayed(messageId: MessageId, atMs: number): Promise<InboxMessage | null> {
    return attempt(() => {
      this.#db
        .prepare(
          `UPDATE inbox SET played_ms = ?, played = 'pending' WHERE message_id = ? AND played_ms IS NULL`,
        )
        .run(atMs, messageId);
      const row = this.#db.prepare('SELECT * FROM inbox WHERE message_id = ?').get(messageId) as
        InboxRow | undefined;
      return row === undefined ? null : messageFromRow(row);
    });
  }

  pendingReceipts(): Promise<{ messageId: MessageId; kind: 'delivered' | 'played' }[]> {
    return attempt(() => {
      const rows = this.#db
        .prepare(
          `SELECT message_id, 'delivered' AS kind FROM inbox WHERE delivered = 'pending'
           UNION ALL SELECT message_id, 'played' AS kind FROM inbox WHERE played = 'pending'`,
        )
        .all() as { message_id: Buffer; kind: 'delivered' | 'played' }[];
      return rows.map((row) => ({ messageId: asMessageId(blob(row.message_id)), kind: row.kind }));
    });
  }

  receiptSent(messageId: MessageId, kind: 'delivered' | 'played'): Promise<void> {
    return attempt(() => {
      const column = kind === 'delivered' ? 'delivered' : 'played';
      this.#db.prepare(`UPDATE inbox SET ${column} = 'sent' WHERE message_id = ?`).run(messageId);
    });
  }
}
