import { createRequire } from 'node:module';
import Database from 'better-sqlite3';
import type { Millis } from '../../../shared/brand';
import {
  ProtocolError,
  asChunkIndex,
  asConversationId,
  asDeviceKey,
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
import { BackgroundCheckpointer } from './checkpointer';
import { appendEvents, conversationEvent, messageEvent, receiptEvent } from './eventlog';
import { migrate } from './migrations';
import { bytes, chunkFromRow, eventFromRow, type MessageRow } from './rows';
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
import { prepareStatements, type Statements } from './statements';
import type { Appended, CommitRequest, NewUpload, PutChunkResult, Store, StoredChunk } from './store';

/** How long a writer waits for another connection's lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

/** Options of openSqliteStore. */
export interface SqliteStoreOptions {
  /** Database file; created (with its schema) if missing. */
  readonly file: string;
  /**
   * 'normal' (default): in WAL mode a committed transaction survives a process crash or SIGKILL, but
   * the last commits may be lost on power failure or an OS crash. 'full': fsync on every commit, so
   * commits also survive power loss, at the cost of one disk flush per transaction.
   */
  readonly synchronous?: 'normal' | 'full';
  /**
   * Fold the WAL into the database from a worker thread (default true), so the thread that commits
   * and ACKs never stalls on a checkpoint. False restores SQLite's automatic checkpoints.
   */
  readonly backgroundCheckpoints?: boolean;
  /** Where background checkpoint failures are reported. */
  readonly onCheckpointError?: (message: string) => void;
}

/** Opens (creating and migrating if needed) the SQLite store in WAL mode. */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  const db = new Database(options.file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    migrate(db, options.file);
    let checkpointer: BackgroundCheckpointer | null = null;
    if (options.backgroundCheckpoints !== false && options.file !== ':memory:') {
      db.pragma('wal_autocheckpoint = 0');
      checkpointer = new BackgroundCheckpointer(
        options.file,
        createRequire(import.meta.url).resolve('better-sqlite3'),
        options.onCheckpointError ?? (() => undefined),
      );
    }
    return new SqliteStore(db, checkpointer);
  } catch (error) {
    db.close();
    throw error;
  }
}

class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #sql: Statements;
  readonly #transaction: Database.Transaction<(work: () => unknown) => unknown>;
  /** Writes waiting for the next group commit; null when none is scheduled. */
  #pending: PendingWrite[] | null = null;

  readonly #checkpointer: BackgroundCheckpointer | null;

  constructor(db: Database.Database, checkpointer: BackgroundCheckpointer | null) {
    this.#db = db;
    this.#checkpointer = checkpointer;
    this.#sql = prepareStatements(db);
    this.#transaction = db.transaction((work: () => unknown) => work());
  }

  touchDevice(device: DeviceKey, name: string, now: Millis): Promise<void> {
    return this.#write(() => {
      this.#sql.touchDevice.run(device, name, now, now);
    });
  }

  createConversation(
    id: ConversationId,
    creator: DeviceKey,
    members: readonly DeviceKey[],
    now: Millis,
  ): Promise<Appended> {
    return this.#write(() => {
      const existing = this.#sql.conversationCreator.get(id);
      if (existing !== undefined) {
        if (sameBytes(existing, creator)) return [];
        throw new ProtocolError('ID_CONFLICT', `Conversation ${toHex(id)} already exists.`);
      }
      const all = uniqueKeys([creator, ...members]);
      checkMemberCount(all.length);
      this.#sql.insertConversation.run(id, creator, now);
      for (const member of all) this.#sql.insertMember.run(id, member);
      const after = this.#members(id);
      return appendEvents(this.#sql, after, conversationEvent(id, after, 'created'));
    });
  }

  addMembers(
    id: ConversationId,
    by: DeviceKey,
    members: readonly DeviceKey[],
    _now: Millis,
  ): Promise<Appended> {
    return this.#write(() => {
      this.#requireMember(id, by);
      let added = 0;
      for (const member of members) added += this.#sql.insertMember.run(id, member).changes;
      if (added === 0) return [];
      const after = this.#members(id);
      checkMemberCount(after.length);
      return appendEvents(this.#sql, after, conversationEvent(id, after, 'joined'));
    });
  }

  leaveConversation(id: ConversationId, device: DeviceKey, _now: Millis): Promise<Appended> {
    return this.#write(() => {
      this.#requireMember(id, device);
      this.#sql.deleteMember.run(id, device);
      const remaining = this.#members(id);
      return appendEvents(this.#sql, [device, ...remaining], conversationEvent(id, remaining, 'left'));
    });
  }

  listConversations(
    device: DeviceKey,
    after: ConversationId | null,
    limit: number,
  ): Promise<{ conversations: ConversationInfo[]; hasMore: boolean }> {
    return this.#read(() => {
      checkLimit(limit);
      const ids = this.#sql.conversationsOf.all(device, after ?? new Uint8Array(0), limit + 1);
      const conversations = ids.slice(0, limit).map((raw) => {
        const conversationId = asConversationId(bytes(raw));
        return { conversationId, members: this.#members(conversationId) };
      });
      return { conversations, hasMore: ids.length > limit };
    });
  }

  beginUpload(upload: NewUpload, maxInFlight: number, now: Millis): Promise<ChunkIndex> {
    return this.#write(() => {
      const { messageId, conversationId, sender, wraps } = upload;
      this.#requireMember(conversationId, sender);
      const existing = this.#sql.message.get(messageId);
      if (existing !== undefined) return restatedBegin(existing, upload);
      checkDistinctWraps(wraps);
      for (const wrap of wraps) {
        if (this.#sql.isMember.get(conversationId, wrap.deviceKey) === undefined) {
          throw new ProtocolError('NOT_A_MEMBER', `A wrap names ${toHex(wrap.deviceKey)}, not a member.`);
        }
      }
      checkInFlight(this.#sql.countUploading.get(sender) ?? 0, maxInFlight);
      this.#sql.insertMessage.run(messageId, conversationId, sender, now);
      for (const wrap of wraps) this.#sql.insertWrap.run(messageId, wrap.deviceKey, wrap.wrapped);
      return asChunkIndex(0);
    });
  }

  putChunk(chunk: StoredChunk & { sender: DeviceKey }, maxMessageBytes = Infinity): Promise<PutChunkResult> {
    return this.#write(
      () => {
        const { messageId, index, final, data, sender } = chunk;
        const upload = requireUpload(
          this.#sql.uploadFor.get({ message: messageId, device: sender }),
          messageId,
        );
        if (
          mayWrite(upload, chunk, maxMessageBytes) &&
          this.#sql.insertChunk.run(messageId, index, final ? 1 : 0, data).changes === 1
        ) {
          let next = upload.next_index;
          if (index === upload.next_index) {
            // In order (the usual case) nothing lies beyond this chunk, so no gap needs looking for.
            const inOrder = upload.max_idx === null || upload.max_idx < index;
            next = inOrder
              ? index + 1
              : (this.#sql.contiguousEnd.get({ message: messageId, from: index }) ?? index + 1);
          }
          this.#sql.advanceUpload.run(data.length, next, index, final ? index : null, messageId);
          return { nextIndex: asChunkIndex(next), repeated: false };
        }
        // Already stored (or committed, or refused): a byte-identical repeat is acknowledged again.
        return unwrittenChunk(upload, chunk, this.#sql.chunk.get(messageId, index), maxMessageBytes);
      },
      { refusesBeforeWriting: true },
    );
  }

  uploadState(
    messageId: MessageId,
    sender: DeviceKey,
  ): Promise<{ state: UploadState; nextIndex: ChunkIndex }> {
    return this.#read(() => {
      const message = this.#sql.message.get(messageId);
      if (message === undefined || !sameBytes(message.sender, sender)) {
        return { state: 'unknown', nextIndex: asChunkIndex(0) };
      }
      return { state: message.status, nextIndex: asChunkIndex(message.next_index) };
    });
  }

  commit(commit: CommitRequest, now: Millis): Promise<{ committedAt: Millis; appended: Appended }> {
    return this.#write(() => {
      const { messageId, sender, chunkCount, metadata } = commit;
      const message = this.#ownMessage(messageId, sender);
      if (message.status === 'committed') {
        const stored = this.#sql.committedMetadata.get(messageId) ?? new Uint8Array(0);
        return { committedAt: restatedCommit(message, stored, commit), appended: [] };
      }
      const conversationId = asConversationId(bytes(message.conversation_id));
      this.#requireMember(conversationId, sender);
      const chunks = checkComplete(commit, this.#sql.completeness.get(messageId));
      this.#sql.markCommitted.run(chunkCount, chunks.total_bytes, metadata, now, messageId);
      const recipients = this.#members(conversationId).filter((member) => !sameBytes(member, sender));
      return { committedAt: now, appended: appendEvents(this.#sql, recipients, messageEvent(messageId)) };
    });
  }

  abort(messageId: MessageId, sender: DeviceKey): Promise<void> {
    return this.#write(() => {
      const message = this.#sql.message.get(messageId);
      if (message === undefined || !sameBytes(message.sender, sender)) return;
      if (message.status === 'committed') {
        throw new ProtocolError('ALREADY_COMMITTED', `Message ${toHex(messageId)} is already sent.`);
      }
      this.#sql.deleteMessage.run(messageId);
    });
  }

  expireUploads(olderThan: Millis): Promise<number> {
    return this.#write(() => this.#sql.expireUploads.run(olderThan).changes);
  }

  eventsAfter(
    device: DeviceKey,
    after: Cursor,
    limit: number,
  ): Promise<{ events: Event[]; hasMore: boolean }> {
    return this.#read(() => {
      checkLimit(limit);
      const rows = this.#sql.eventsAfter.all(device, after, limit + 1);
      return { events: rows.slice(0, limit).map(eventFromRow), hasMore: rows.length > limit };
    });
  }

  readChunks(
    messageId: MessageId,
    reader: DeviceKey,
    fromIndex: ChunkIndex,
    limit: number,
  ): Promise<{ chunks: StoredChunk[]; chunkCount: number }> {
    return this.#read(() => {
      checkLimit(limit);
      const { chunkCount } = this.#committedMessageFor(messageId, reader);
      const rows = this.#sql.readChunks.all(messageId, fromIndex, limit);
      return { chunks: rows.map((row) => chunkFromRow(row, messageId)), chunkCount };
    });
  }

  addReceipt(messageId: MessageId, from: DeviceKey, kind: ReceiptKind, now: Millis): Promise<Appended> {
    return this.#write(() => {
      const { sender } = this.#committedMessageFor(messageId, from);
      if (sameBytes(sender, from)) {
        throw new ProtocolError('BAD_VALUE', 'A device cannot send a receipt for its own message.');
      }
      if (this.#sql.insertReceipt.run(messageId, from, kind, now).changes === 0) return [];
      return appendEvents(this.#sql, [sender], receiptEvent(messageId, from, kind, now));
    });
  }

  async close(): Promise<void> {
    if (this.#pending !== null) this.#flush();
    await this.#checkpointer?.stop();
    if (this.#db.open) this.#db.close();
  }

  /**
   * Runs `work` in a write transaction. Writes requested in the same turn of the event loop share
   * one IMMEDIATE transaction (group commit: one WAL append for many chunks), each inside its own
   * savepoint so a refusal rolls back only its own work. Every promise settles after the shared
   * COMMIT, so a resolved write is durable. `refusesBeforeWriting` skips the savepoint for work
   * that throws only before its first write (the chunk path: two statements saved per chunk).
   */
  #write<T>(work: () => T, { refusesBeforeWriting = false } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#pending === null) {
        this.#pending = [];
        setImmediate(() => {
          this.#flush();
        });
      }
      this.#pending.push({ work, savepoint: !refusesBeforeWriting, resolve: resolve, reject });
    });
  }

  #flush(): void {
    const batch = this.#pending ?? [];
    this.#pending = null;
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.#transaction.immediate(() => {
        for (const { work, savepoint } of batch) {
          try {
            // A transaction function called inside another runs as a SAVEPOINT.
            outcomes.push({ ok: true, value: savepoint ? this.#transaction(work) : work() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok === true) item.resolve(outcome.value);
      else item.reject(outcome?.error);
    });
  }

  /** Runs `work` in a DEFERRED transaction: one consistent snapshot for several reads. */
  #read<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve) => {
      resolve(this.#transaction.deferred(work) as T);
    });
  }

  #members(id: ConversationId): DeviceKey[] {
    return this.#sql.membersOf.all(id).map((raw) => asDeviceKey(bytes(raw)));
  }

  #requireMember(id: ConversationId, device: DeviceKey): void {
    if (this.#sql.isMember.get(id, device) === undefined) {
      throw new ProtocolError('NOT_A_MEMBER', `This device is not a member of conversation ${toHex(id)}.`);
    }
  }

  /** The message if `sender` began it; UNKNOWN_MESSAGE otherwise. */
  #ownMessage(messageId: MessageId, sender: DeviceKey): MessageRow {
    const message = this.#sql.message.get(messageId);
    if (message === undefined || !sameBytes(message.sender, sender)) {
      throw new ProtocolError('UNKNOWN_MESSAGE', `No upload ${toHex(messageId)} by this device.`);
    }
    return message;
  }

  /** Sender and chunk count of a committed message that `reader` may see (UNKNOWN_MESSAGE, NOT_A_MEMBER). */
  #committedMessageFor(messageId: MessageId, reader: DeviceKey): { sender: DeviceKey; chunkCount: number } {
    const message = this.#sql.message.get(messageId);
    if (message === undefined) {
      throw new ProtocolError('UNKNOWN_MESSAGE', `No message ${toHex(messageId)}.`);
    }
    this.#requireMember(asConversationId(bytes(message.conversation_id)), reader);
    if (message.status !== 'committed' || message.chunk_count === null) {
      throw new ProtocolError('UNKNOWN_MESSAGE', `Message ${toHex(messageId)} is not sent yet.`);
    }
    return { sender: asDeviceKey(bytes(message.sender)), chunkCount: message.chunk_count };
  }
}

/** A write waiting for the next group commit. */
interface PendingWrite {
  readonly work: () => unknown;
  /** Whether the work runs in its own savepoint (see #write). */
  readonly savepoint: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}
