// Rules every Store implementation enforces the same way: each takes what its store read and
// returns the outcome or throws the refusal, so the stores differ only in how they read and write.
import type { Millis } from '../../../shared/brand';
import {
  MAX_MEMBERS,
  ProtocolError,
  asChunkIndex,
  asMillis,
  sameBytes,
  toHex,
  type ChunkIndex,
  type DeviceKey,
  type MessageId,
  type Wrap,
} from '../../../shared/protocol';
import type { ChunkRow, CompletenessRow, MessageRow, UploadRow } from './rows';
import type { CommitRequest, NewUpload, PutChunkResult, StoredChunk } from './store';

/** The keys without repeats, first occurrence kept. */
export function uniqueKeys(keys: readonly DeviceKey[]): DeviceKey[] {
  const seen = new Set<string>();
  return keys.filter((key) => {
    const hex = toHex(key);
    if (seen.has(hex)) return false;
    seen.add(hex);
    return true;
  });
}

/** QUOTA_EXCEEDED when a conversation would hold more than MAX_MEMBERS devices. */
export function checkMemberCount(count: number): void {
  if (count > MAX_MEMBERS) {
    throw new ProtocolError(
      'QUOTA_EXCEEDED',
      `A conversation holds at most ${MAX_MEMBERS} devices; this change would make ${count}.`,
    );
  }
}

/** A page size must be a positive integer (a caller bug otherwise, not a client refusal). */
export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new TypeError(`limit must be a positive integer, got ${limit}`);
  }
}

/** Why a new chunk breaks "one final chunk, and it is the last", or null when it does not. */
export function finalConflict(
  maxIndex: number | null,
  finalIndex: number | null,
  index: number,
  final: boolean,
) {
  if (finalIndex !== null && index > finalIndex) {
    return `Chunk ${index} comes after the final chunk ${finalIndex}.`;
  }
  if (finalIndex !== null && final && index !== finalIndex) {
    return `Chunk ${index} cannot be final: chunk ${finalIndex} already is.`;
  }
  if (final && maxIndex !== null && maxIndex > index) {
    return `Chunk ${index} cannot be final: chunk ${maxIndex} is stored.`;
  }
  return null;
}

/**
 * A `begin` for a message id already in use: the same sender and conversation restate it (its
 * nextIndex), anyone else gets ID_CONFLICT.
 */
export function restatedBegin(existing: MessageRow, upload: NewUpload): ChunkIndex {
  if (
    sameBytes(existing.sender, upload.sender) &&
    sameBytes(existing.conversation_id, upload.conversationId)
  ) {
    return asChunkIndex(existing.next_index);
  }
  throw new ProtocolError('ID_CONFLICT', `Message id ${toHex(upload.messageId)} is already in use.`);
}

/** BAD_VALUE when a `begin` names one device in two wraps. */
export function checkDistinctWraps(wraps: readonly Wrap[]): void {
  if (new Set(wraps.map((wrap) => toHex(wrap.deviceKey))).size !== wraps.length) {
    throw new ProtocolError('BAD_VALUE', 'begin names the same device in two wraps.');
  }
}

/** TOO_MANY_UPLOADS when the sender already has `maxInFlight` uncommitted uploads. */
export function checkInFlight(uploading: number, maxInFlight: number): void {
  if (uploading >= maxInFlight) {
    throw new ProtocolError(
      'TOO_MANY_UPLOADS',
      `At most ${maxInFlight} uploads may be in flight; commit or abort one first.`,
    );
  }
}

/** The chunk path's upload, or UNKNOWN_MESSAGE / NOT_A_MEMBER. */
export function requireUpload(upload: UploadRow | undefined, messageId: MessageId): UploadRow {
  if (upload === undefined) {
    throw new ProtocolError('UNKNOWN_MESSAGE', `No upload ${toHex(messageId)} by this device.`);
  }
  if (upload.is_member === 0) {
    throw new ProtocolError('NOT_A_MEMBER', 'This device is not a member of the conversation.');
  }
  return upload;
}

/** Whether a chunk may be written to this upload: still uploading, in its place, within the quota. */
export function mayWrite(upload: UploadRow, chunk: StoredChunk, maxMessageBytes: number): boolean {
  return (
    upload.status === 'uploading' &&
    finalConflict(upload.max_idx, upload.final_idx, chunk.index, chunk.final) === null &&
    upload.stored_bytes + chunk.data.length <= maxMessageBytes
  );
}

/**
 * The outcome of a chunk that was not written, given what is stored at its index: a byte-identical
 * repeat is acknowledged again; anything else is refused with the reason that applies.
 */
export function unwrittenChunk(
  upload: UploadRow,
  chunk: StoredChunk,
  stored: ChunkRow | undefined,
  maxMessageBytes: number,
): PutChunkResult {
  if (stored !== undefined) {
    if (stored.final === (chunk.final ? 1 : 0) && sameBytes(stored.data, chunk.data)) {
      return { nextIndex: asChunkIndex(upload.next_index), repeated: true };
    }
    throw new ProtocolError('CHUNK_CONFLICT', `Chunk ${chunk.index} was already stored with other contents.`);
  }
  if (upload.status !== 'uploading') {
    throw new ProtocolError('ALREADY_COMMITTED', `Message ${toHex(chunk.messageId)} is already sent.`);
  }
  const misplaced = finalConflict(upload.max_idx, upload.final_idx, chunk.index, chunk.final);
  if (misplaced !== null) throw new ProtocolError('CHUNK_CONFLICT', misplaced);
  throw new ProtocolError('QUOTA_EXCEEDED', `Message would exceed ${maxMessageBytes} bytes.`);
}

/**
 * A commit of a message already committed: the same chunk count and metadata restate it (its first
 * commit time), anything else is ID_CONFLICT.
 */
export function restatedCommit(
  message: MessageRow,
  storedMetadata: Uint8Array,
  commit: CommitRequest,
): Millis {
  if (message.chunk_count !== commit.chunkCount || !sameBytes(storedMetadata, commit.metadata)) {
    throw new ProtocolError(
      'ID_CONFLICT',
      `Message ${toHex(commit.messageId)} was already committed with another chunk count or metadata.`,
    );
  }
  return asMillis(message.committed_ms ?? 0);
}

/** INCOMPLETE_MESSAGE unless chunks 0..chunkCount-1 are stored, none beyond, and only the last final. */
export function checkComplete(commit: CommitRequest, chunks: CompletenessRow | undefined): CompletenessRow {
  const last = commit.chunkCount - 1;
  if (
    chunks === undefined ||
    chunks.count !== commit.chunkCount ||
    chunks.max_idx !== last ||
    chunks.finals !== 1 ||
    chunks.final_idx !== last
  ) {
    throw new ProtocolError(
      'INCOMPLETE_MESSAGE',
      `Message ${toHex(commit.messageId)} needs chunks 0..${last} with only the last final; upload the rest.`,
    );
  }
  return chunks;
}
