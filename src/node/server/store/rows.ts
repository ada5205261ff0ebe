import {
  DEVICE_KEY_BYTES,
  asChunkIndex,
  asConversationId,
  asCursor,
  asDeviceKey,
  asMessageId,
  asMillis,
  type ConversationChange,
  type DeviceKey,
  type Event,
  type ReceiptKind,
  type UploadState,
} from '../../../shared/protocol';
import type { StoredChunk } from './store';

// Row shapes as better-sqlite3 returns them (BLOB → Buffer, INTEGER → number). The CHECK
// constraints of the schema make the string unions truthful.

/** A `messages` row, minus the columns only `eventsAfter` reads. */
export interface MessageRow {
  readonly conversation_id: Buffer;
  readonly sender: Buffer;
  readonly status: Exclude<UploadState, 'unknown'>;
  readonly next_index: number;
  readonly stored_bytes: number;
  readonly chunk_count: number | null;
  readonly committed_ms: number | null;
}

/** The chunk path's view of an upload by a given device. */
export interface UploadRow {
  readonly status: Exclude<UploadState, 'unknown'>;
  readonly next_index: number;
  readonly stored_bytes: number;
  /** Highest stored index, if any chunk is stored. */
  readonly max_idx: number | null;
  /** Index of the stored final chunk, if there is one. */
  readonly final_idx: number | null;
  readonly is_member: 0 | 1;
}

/** A `chunks` row. */
export interface ChunkRow {
  readonly idx: number;
  readonly final: 0 | 1;
  readonly data: Buffer;
}

/** What the single completeness query of `commit` reports about a message's chunks. */
export interface CompletenessRow {
  readonly count: number;
  readonly max_idx: number | null;
  readonly finals: number;
  readonly final_idx: number | null;
  readonly total_bytes: number;
}

/** An `events` row joined with its message and the wrap for the log's device (message events only). */
export interface EventRow {
  readonly seq: number;
  readonly kind: Event['type'];
  readonly message_id: Buffer | null;
  readonly conversation_id: Buffer | null;
  readonly from_device: Buffer | null;
  readonly receipt_kind: ReceiptKind | null;
  readonly at_ms: number | null;
  readonly members: Buffer | null;
  readonly change: ConversationChange | null;
  readonly m_conversation_id: Buffer | null;
  readonly m_sender: Buffer | null;
  readonly m_chunk_count: number | null;
  readonly m_total_bytes: number | null;
  readonly m_metadata: Buffer | null;
  readonly m_committed_ms: number | null;
  readonly w_wrapped: Buffer | null;
}

/** Named parameters of the event insert; unused columns are null. */
export interface EventParams {
  readonly device_key: DeviceKey;
  readonly seq: number;
  readonly kind: Event['type'];
  readonly message_id: Uint8Array | null;
  readonly conversation_id: Uint8Array | null;
  readonly from_device: Uint8Array | null;
  readonly receipt_kind: ReceiptKind | null;
  readonly at_ms: number | null;
  readonly members: Uint8Array | null;
  readonly change: ConversationChange | null;
}

/** A plain Uint8Array view of a Buffer from SQLite (no copy), so callers never see Node's Buffer API. */
export function bytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** The column value, or an internal fault naming it when a row breaks the schema's invariants. */
function required<T>(value: T | null, column: string): T {
  if (value === null) throw new Error(`store corrupt: events.${column} is null`);
  return value;
}

/** Device keys concatenated in order, as stored in `events.members`. */
export function packKeys(keys: readonly DeviceKey[]): Uint8Array {
  const out = new Uint8Array(keys.length * DEVICE_KEY_BYTES);
  keys.forEach((key, i) => {
    out.set(key, i * DEVICE_KEY_BYTES);
  });
  return out;
}

/** The inverse of packKeys. */
export function unpackKeys(packed: Uint8Array): DeviceKey[] {
  const keys: DeviceKey[] = [];
  for (let at = 0; at < packed.length; at += DEVICE_KEY_BYTES) {
    keys.push(asDeviceKey(packed.subarray(at, at + DEVICE_KEY_BYTES)));
  }
  return keys;
}

/** A chunk as the store returns it. */
export function chunkFromRow(row: ChunkRow, messageId: StoredChunk['messageId']): StoredChunk {
  return { messageId, index: asChunkIndex(row.idx), final: row.final === 1, data: bytes(row.data) };
}

/** Rebuilds one event of a device's log from its row (and, for `message`, the joined message). */
export function eventFromRow(row: EventRow): Event {
  const cursor = asCursor(row.seq);
  switch (row.kind) {
    case 'message':
      return {
        type: 'message',
        cursor,
        messageId: asMessageId(bytes(required(row.message_id, 'message_id'))),
        conversationId: asConversationId(bytes(required(row.m_conversation_id, 'message'))),
        sender: asDeviceKey(bytes(required(row.m_sender, 'message'))),
        chunkCount: required(row.m_chunk_count, 'message'),
        totalBytes: required(row.m_total_bytes, 'message'),
        // A member added after `begin` has no wrap: it learns a message exists that it cannot open.
        wrap: row.w_wrapped === null ? new Uint8Array(0) : bytes(row.w_wrapped),
        metadata: bytes(required(row.m_metadata, 'message')),
        committedAtMs: asMillis(required(row.m_committed_ms, 'message')),
      };
    case 'receipt':
      return {
        type: 'receipt',
        cursor,
        messageId: asMessageId(bytes(required(row.message_id, 'message_id'))),
        from: asDeviceKey(bytes(required(row.from_device, 'from_device'))),
        kind: required(row.receipt_kind, 'receipt_kind'),
        atMs: asMillis(required(row.at_ms, 'at_ms')),
      };
    case 'conversation':
      return {
        type: 'conversation',
        cursor,
        conversationId: asConversationId(bytes(required(row.conversation_id, 'conversation_id'))),
        members: unpackKeys(bytes(required(row.members, 'members'))),
        change: required(row.change, 'change'),
      };
  }
}
