import type Database from 'better-sqlite3';
import type { ChunkRow, CompletenessRow, EventParams, EventRow, MessageRow, UploadRow } from './rows';

type Bytes = Uint8Array;

/** Every SQL statement of the store, prepared once per connection; row types are asserted here. */
export interface Statements {
  readonly touchDevice: Database.Statement<[Bytes, string, number, number]>;
  readonly conversationCreator: Database.Statement<[Bytes], Buffer>;
  readonly insertConversation: Database.Statement<[Bytes, Bytes, number]>;
  readonly insertMember: Database.Statement<[Bytes, Bytes]>;
  readonly deleteMember: Database.Statement<[Bytes, Bytes]>;
  readonly isMember: Database.Statement<[Bytes, Bytes], number>;
  readonly membersOf: Database.Statement<[Bytes], Buffer>;
  readonly conversationsOf: Database.Statement<[Bytes, Bytes, number], Buffer>;
  readonly message: Database.Statement<[Bytes], MessageRow>;
  readonly uploadFor: Database.Statement<{ message: Bytes; device: Bytes }, UploadRow>;
  readonly countUploading: Database.Statement<[Bytes], number>;
  readonly insertMessage: Database.Statement<[Bytes, Bytes, Bytes, number]>;
  readonly insertWrap: Database.Statement<[Bytes, Bytes, Bytes]>;
  readonly markCommitted: Database.Statement<[number, number, Bytes, number, Bytes]>;
  readonly deleteMessage: Database.Statement<[Bytes]>;
  readonly expireUploads: Database.Statement<[number]>;
  readonly chunk: Database.Statement<[Bytes, number], ChunkRow>;
  readonly insertChunk: Database.Statement<[Bytes, number, number, Bytes]>;
  readonly advanceUpload: Database.Statement<[number, number, number, number | null, Bytes]>;
  readonly committedMetadata: Database.Statement<[Bytes], Buffer | null>;
  readonly contiguousEnd: Database.Statement<{ message: Bytes; from: number }, number>;
  readonly completeness: Database.Statement<[Bytes], CompletenessRow>;
  readonly readChunks: Database.Statement<[Bytes, number, number], ChunkRow>;
  readonly insertReceipt: Database.Statement<[Bytes, Bytes, string, number]>;
  readonly nextSeq: Database.Statement<[Bytes], number>;
  readonly insertEvent: Database.Statement<EventParams>;
  readonly eventsAfter: Database.Statement<[Bytes, number, number], EventRow>;
}

/** Prepares the store's statements on an open, migrated database. */
export function prepareStatements(db: Database.Database): Statements {
  return {
    touchDevice: db.prepare<[Bytes, string, number, number]>(
      `INSERT INTO devices (key, name, first_seen_ms, last_seen_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE
       SET name = excluded.name, last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)`,
    ),

    conversationCreator: db
      .prepare<[Bytes], Buffer>('SELECT creator FROM conversations WHERE id = ?')
      .pluck(),
    insertConversation: db.prepare<[Bytes, Bytes, number]>(
      'INSERT INTO conversations (id, creator, created_ms) VALUES (?, ?, ?)',
    ),
    insertMember: db.prepare<[Bytes, Bytes]>(
      'INSERT OR IGNORE INTO members (conversation_id, device_key) VALUES (?, ?)',
    ),
    deleteMember: db.prepare<[Bytes, Bytes]>(
      'DELETE FROM members WHERE conversation_id = ? AND device_key = ?',
    ),
    // The chunk path's one lookup: the message (if this device began it) and the membership check.
    uploadFor: db.prepare<{ message: Bytes; device: Bytes }, UploadRow>(
      `SELECT m.status, m.next_index, m.stored_bytes, m.max_idx, m.final_idx,
              EXISTS (SELECT 1 FROM members WHERE conversation_id = m.conversation_id AND device_key = @device)
                AS is_member
       FROM messages m WHERE m.id = @message AND m.sender = @device`,
    ),
    isMember: db
      .prepare<[Bytes, Bytes], number>('SELECT 1 FROM members WHERE conversation_id = ? AND device_key = ?')
      .pluck(),
    membersOf: db
      .prepare<[Bytes], Buffer>(
        'SELECT device_key FROM members WHERE conversation_id = ? ORDER BY device_key',
      )
      .pluck(),
    // An empty blob sorts before every id, so it stands for "from the first page".
    conversationsOf: db
      .prepare<[Bytes, Bytes, number], Buffer>(
        `SELECT conversation_id FROM members WHERE device_key = ? AND conversation_id > ?
         ORDER BY conversation_id LIMIT ?`,
      )
      .pluck(),

    message: db.prepare<[Bytes], MessageRow>(
      `SELECT conversation_id, sender, status, next_index, stored_bytes, chunk_count, committed_ms
       FROM messages WHERE id = ?`,
    ),
    countUploading: db
      .prepare<[Bytes], number>("SELECT count(*) FROM messages WHERE sender = ? AND status = 'uploading'")
      .pluck(),
    insertMessage: db.prepare<[Bytes, Bytes, Bytes, number]>(
      `INSERT INTO messages (id, conversation_id, sender, status, begun_ms)
       VALUES (?, ?, ?, 'uploading', ?)`,
    ),
    insertWrap: db.prepare<[Bytes, Bytes, Bytes]>(
      'INSERT INTO wraps (message_id, device_key, wrapped) VALUES (?, ?, ?)',
    ),
    markCommitted: db.prepare<[number, number, Bytes, number, Bytes]>(
      `UPDATE messages
       SET status = 'committed', chunk_count = ?, total_bytes = ?, metadata = ?, committed_ms = ?
       WHERE id = ?`,
    ),
    deleteMessage: db.prepare<[Bytes]>('DELETE FROM messages WHERE id = ?'),
    expireUploads: db.prepare<[number]>("DELETE FROM messages WHERE status = 'uploading' AND begun_ms < ?"),

    chunk: db.prepare<[Bytes, number], ChunkRow>(
      'SELECT idx, final, data FROM chunks WHERE message_id = ? AND idx = ?',
    ),
    // OR IGNORE: a repeat is detected by `changes === 0`, sparing a lookup on the common path.
    insertChunk: db.prepare<[Bytes, number, number, Bytes]>(
      'INSERT OR IGNORE INTO chunks (message_id, idx, final, data) VALUES (?, ?, ?, ?)',
    ),
    advanceUpload: db.prepare<[number, number, number, number | null, Bytes]>(
      `UPDATE messages SET stored_bytes = stored_bytes + ?, next_index = ?,
              max_idx = max(coalesce(max_idx, -1), ?), final_idx = coalesce(final_idx, ?)
       WHERE id = ?`,
    ),
    committedMetadata: db
      .prepare<[Bytes], Buffer | null>('SELECT metadata FROM messages WHERE id = ?')
      .pluck(),
    // The end of the contiguous run starting at `from` (which must exist): the first index whose
    // successor is missing, plus one.
    contiguousEnd: db
      .prepare<{ message: Bytes; from: number }, number>(
        `SELECT c.idx + 1 FROM chunks c
         WHERE c.message_id = @message AND c.idx >= @from
           AND NOT EXISTS (SELECT 1 FROM chunks d WHERE d.message_id = @message AND d.idx = c.idx + 1)
         ORDER BY c.idx LIMIT 1`,
      )
      .pluck(),
    completeness: db.prepare<[Bytes], CompletenessRow>(
      `SELECT count(*) AS count, max(idx) AS max_idx, coalesce(sum(final), 0) AS finals,
              max(CASE WHEN final = 1 THEN idx END) AS final_idx,
              coalesce(sum(length(data)), 0) AS total_bytes
       FROM chunks WHERE message_id = ?`,
    ),
    readChunks: db.prepare<[Bytes, number, number], ChunkRow>(
      'SELECT idx, final, data FROM chunks WHERE message_id = ? AND idx >= ? ORDER BY idx LIMIT ?',
    ),

    insertReceipt: db.prepare<[Bytes, Bytes, string, number]>(
      'INSERT OR IGNORE INTO receipts (message_id, device_key, kind, at_ms) VALUES (?, ?, ?, ?)',
    ),

    // The per-device counter row is bumped inside the appending transaction (DESIGN.md §7).
    nextSeq: db
      .prepare<[Bytes], number>(
        `INSERT INTO device_cursors (device_key, last_seq) VALUES (?, 1)
         ON CONFLICT (device_key) DO UPDATE SET last_seq = last_seq + 1
         RETURNING last_seq`,
      )
      .pluck(),
    insertEvent: db.prepare<EventParams>(
      `INSERT INTO events
         (device_key, seq, kind, message_id, conversation_id, from_device, receipt_kind, at_ms,
          members, change)
       VALUES
         (@device_key, @seq, @kind, @message_id, @conversation_id, @from_device, @receipt_kind, @at_ms,
          @members, @change)`,
    ),
    eventsAfter: db.prepare<[Bytes, number, number], EventRow>(
      `SELECT e.seq, e.kind, e.message_id, e.conversation_id, e.from_device, e.receipt_kind, e.at_ms,
              e.members, e.change,
              m.conversation_id AS m_conversation_id, m.sender AS m_sender,
              m.chunk_count AS m_chunk_count, m.total_bytes AS m_total_bytes,
              m.metadata AS m_metadata, m.committed_ms AS m_committed_ms,
              w.wrapped AS w_wrapped
       FROM events e
       LEFT JOIN messages m ON e.kind = 'message' AND m.id = e.message_id
       LEFT JOIN wraps w ON e.kind = 'message' AND w.message_id = e.message_id AND w.device_key = e.device_key
       WHERE e.device_key = ? AND e.seq > ?
       ORDER BY e.seq LIMIT ?`,
    ),
  };
}
