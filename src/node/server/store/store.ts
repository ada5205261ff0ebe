import type { Millis } from '../../../shared/brand';
import type {
  ChunkIndex,
  ConversationId,
  ConversationInfo,
  Cursor,
  DeviceKey,
  Event,
  MessageId,
  ReceiptKind,
  UploadState,
  Wrap,
} from '../../../shared/protocol';

/**
 * Durable server state. Every method is one transaction: when its promise resolves, the change is
 * committed (an ACK may be sent). Refusals throw `ProtocolError` with the matching code
 * (NOT_A_MEMBER, UNKNOWN_MESSAGE, CHUNK_CONFLICT, INCOMPLETE_MESSAGE, ALREADY_COMMITTED,
 * TOO_MANY_UPLOADS, ID_CONFLICT, QUOTA_EXCEEDED, BAD_VALUE); anything else thrown is an internal fault.
 * Writes apply in call order, also when a call is made before an earlier one has settled: a session
 * starts a chunk's write while the chunks ahead of it are still committing.
 * Implementations: SQLite (`sqlite.ts`) and PostgreSQL (`postgres.ts`); both pass
 * `tests/unit/node/server/store.contract.ts`.
 */
export interface Store {
  /** Records a device seen at a handshake (first seen, last seen, name). */
  touchDevice(device: DeviceKey, name: string, now: Millis): Promise<void>;

  // ---- directory ----

  /**
   * Creates a conversation with `creator` plus `members` and appends a `conversation/created` event
   * to every member's log. Repeating the same creation is a no-op; the same id with another creator
   * is ID_CONFLICT; more than MAX_MEMBERS devices is QUOTA_EXCEEDED. Returns the devices whose logs
   * grew.
   */
  createConversation(
    id: ConversationId,
    creator: DeviceKey,
    members: readonly DeviceKey[],
    now: Millis,
  ): Promise<Appended>;
  /** Adds devices (caller must be a member; MAX_MEMBERS in all); appends `joined` events to all members. */
  addMembers(
    id: ConversationId,
    by: DeviceKey,
    members: readonly DeviceKey[],
    now: Millis,
  ): Promise<Appended>;
  /** Removes the caller; appends `left` events to the caller and the remaining members. */
  leaveConversation(id: ConversationId, device: DeviceKey, now: Millis): Promise<Appended>;
  /** A page of the device's conversations in ascending id byte order, after `after` (exclusive). */
  listConversations(
    device: DeviceKey,
    after: ConversationId | null,
    limit: number,
  ): Promise<{ conversations: ConversationInfo[]; hasMore: boolean }>;

  // ---- upload ----

  /**
   * Starts an upload (or restates it: same sender and conversation → no-op). The sender must be a
   * member; every wrap must name a member; the sender may have at most `maxInFlight` uncommitted
   * uploads (TOO_MANY_UPLOADS). A message id already used by another sender or conversation is
   * ID_CONFLICT. Returns the contiguous count of stored chunks.
   */
  beginUpload(upload: NewUpload, maxInFlight: number, now: Millis): Promise<ChunkIndex>;
  /**
   * Stores a chunk of the sender's own upload, idempotently: the same index with the same bytes and
   * flag is a no-op (also after commit); different bytes or flag is CHUNK_CONFLICT. A message not
   * begun by this sender is UNKNOWN_MESSAGE. A chunk after commit that is not already stored is
   * ALREADY_COMMITTED; a chunk that would take the message past `maxMessageBytes` is
   * QUOTA_EXCEEDED. Returns the contiguous count of stored chunks from index 0 and whether the
   * chunk was a repeat.
   */
  putChunk(chunk: StoredChunk & { sender: DeviceKey }, maxMessageBytes?: number): Promise<PutChunkResult>;
  /** Where the sender's upload stands ('unknown' if none by this sender). */
  uploadState(
    messageId: MessageId,
    sender: DeviceKey,
  ): Promise<{ state: UploadState; nextIndex: ChunkIndex }>;
  /**
   * Sends the message: requires chunks 0..chunkCount-1, none beyond, and exactly the last final
   * (INCOMPLETE_MESSAGE otherwise). Atomically marks it committed, stores the metadata and appends a
   * `message` event to every member device except the sender (with an empty wrap for a member the
   * upload has no wrap for). Idempotent: a repeated commit returns the first commit's time and
   * appends nothing.
   */
  commit(commit: CommitRequest, now: Millis): Promise<{ committedAt: Millis; appended: Appended }>;
  /** Deletes an uncommitted upload of the sender (ALREADY_COMMITTED after commit; no-op if unknown). */
  abort(messageId: MessageId, sender: DeviceKey): Promise<void>;
  /** Deletes uploads begun before `olderThan` and never committed; returns how many. */
  expireUploads(olderThan: Millis): Promise<number>;

  // ---- delivery ----

  /** Up to `limit` events of the device's log with cursor > `after`, ascending. */
  eventsAfter(
    device: DeviceKey,
    after: Cursor,
    limit: number,
  ): Promise<{ events: Event[]; hasMore: boolean }>;
  /**
   * Up to `limit` chunks of a committed message from `fromIndex`, for a member of its conversation
   * (NOT_A_MEMBER otherwise; UNKNOWN_MESSAGE if absent or not committed), plus the chunk count.
   */
  readChunks(
    messageId: MessageId,
    reader: DeviceKey,
    fromIndex: ChunkIndex,
    limit: number,
  ): Promise<{ chunks: StoredChunk[]; chunkCount: number }>;
  /**
   * Records that `from` (a member, not the sender) received or played a committed message, and
   * appends a `receipt` event to the sender's log. Idempotent per (message, device, kind).
   */
  addReceipt(messageId: MessageId, from: DeviceKey, kind: ReceiptKind, now: Millis): Promise<Appended>;

  /** Releases the database. Idempotent. */
  close(): Promise<void>;
}

/** Devices whose event logs grew, with the last cursor appended (for the fanout wake-up hint). */
export type Appended = readonly { readonly device: DeviceKey; readonly cursor: Cursor }[];

/** Outcome of `putChunk`: the contiguous count from index 0, and whether the chunk was already stored. */
export interface PutChunkResult {
  readonly nextIndex: ChunkIndex;
  readonly repeated: boolean;
}

/** What `begin` says about an upload. */
export interface NewUpload {
  readonly messageId: MessageId;
  readonly conversationId: ConversationId;
  readonly sender: DeviceKey;
  readonly wraps: readonly Wrap[];
}

/** One chunk as stored: opaque ciphertext. */
export interface StoredChunk {
  readonly messageId: MessageId;
  readonly index: ChunkIndex;
  readonly final: boolean;
  readonly data: Uint8Array;
}

/** What `commit` says. */
export interface CommitRequest {
  readonly messageId: MessageId;
  readonly sender: DeviceKey;
  readonly chunkCount: number;
  readonly metadata: Uint8Array;
}
