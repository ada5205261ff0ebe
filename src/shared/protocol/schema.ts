import type { Millis } from '../brand';
import { isErrorCode } from './errors';
import type { Event } from './events';
import {
  array,
  bool,
  bytes,
  enumeration,
  fixed,
  nullable,
  oneOf,
  range,
  string,
  struct,
  u16,
  u32,
  u64,
  variants,
  type Field,
  type Fields,
  type Variants,
} from './fields';
import type { Frame, FrameOf, FrameType, ServerLimits, Wrap } from './frames';
import {
  CONVERSATION_ID_BYTES,
  DEVICE_KEY_BYTES,
  MESSAGE_ID_BYTES,
  U32_MAX,
  type ChunkIndex,
  type ConversationId,
  type Cursor,
  type DeviceKey,
  type MessageId,
  type RequestId,
} from './ids';
import {
  MAX_CHUNK_BYTES,
  MAX_CHUNKS_PER_MESSAGE,
  MAX_EVENTS_PER_BATCH,
  MAX_IN_FLIGHT_UPLOADS,
  MAX_MEMBERS,
  MAX_METADATA_BYTES,
  MAX_STRING_BYTES,
  MAX_WRAPPED_KEY_BYTES,
  MAX_WRAPS,
} from './limits';

// Byte layouts of every frame; docs/PROTOCOL.md documents the same tables. Fields are on the wire in the
// order they are listed here.

const messageId = fixed<MessageId>(MESSAGE_ID_BYTES);
const conversationId = fixed<ConversationId>(CONVERSATION_ID_BYTES);
const deviceKey = fixed<DeviceKey>(DEVICE_KEY_BYTES);
const requestId = range<RequestId>(u32, 0, U32_MAX);
const cursor = range<Cursor>(u64, 0, Number.MAX_SAFE_INTEGER);
const millis = range<Millis>(u64, 0, Number.MAX_SAFE_INTEGER);
const text = string(MAX_STRING_BYTES);
/** Index of an existing chunk. */
const chunkIndex = range<ChunkIndex>(u32, 0, MAX_CHUNKS_PER_MESSAGE - 1);
/** A count of chunks, or the index one past the last (nextIndex, fromIndex). */
const chunkPosition = range<ChunkIndex>(u32, 0, MAX_CHUNKS_PER_MESSAGE);
const chunkCount = range(u32, 1, MAX_CHUNKS_PER_MESSAGE);
const members = array(deviceKey, MAX_MEMBERS);
const receiptKind = enumeration(['delivered', 'played'] as const);

const limits = struct<ServerLimits>('welcome.limits', {
  maxChunkBytes: range(u32, 1, MAX_CHUNK_BYTES),
  maxChunksPerMessage: range(u32, 1, MAX_CHUNKS_PER_MESSAGE),
  maxMetadataBytes: range(u32, 1, MAX_METADATA_BYTES),
  maxMembers: range(u16, 1, MAX_MEMBERS),
  maxEventsPerBatch: range(u16, 1, MAX_EVENTS_PER_BATCH),
  maxInFlightUploads: range(u16, 1, MAX_IN_FLIGHT_UPLOADS),
});

const wrap = struct<Wrap>('begin.wraps[]', {
  deviceKey,
  wrapped: bytes(MAX_WRAPPED_KEY_BYTES),
});

/** Tagged union of the events in an `events` frame. */
export const EVENT = variants<Event>(
  'event',
  {
    message: [
      0x01,
      struct('events[message]', {
        cursor,
        messageId,
        conversationId,
        sender: deviceKey,
        chunkCount,
        totalBytes: u64,
        wrap: bytes(MAX_WRAPPED_KEY_BYTES),
        metadata: bytes(MAX_METADATA_BYTES),
        committedAtMs: millis,
      }),
    ],
    receipt: [
      0x02,
      struct('events[receipt]', { cursor, messageId, from: deviceKey, kind: receiptKind, atMs: millis }),
    ],
    conversation: [
      0x03,
      struct('events[conversation]', {
        cursor,
        conversationId,
        members,
        change: enumeration(['created', 'joined', 'left'] as const),
      }),
    ],
  },
  'BAD_VALUE',
);

/** A frame's fields after the type code: the request id, then the listed body fields. */
function frame<T extends FrameType>(
  name: T,
  body: Fields<Omit<FrameOf<T>, 'type' | 'requestId'>>,
): Field<Omit<FrameOf<T>, 'type'>> {
  return struct(name, { requestId, ...body } as Fields<Omit<FrameOf<T>, 'type'>>);
}

/** Wire type code and layout of every frame type. */
const FRAMES: Variants<Frame> = {
  // session
  hello: [0x01, frame('hello', { clientVersion: text, deviceName: text })],
  welcome: [0x02, frame('welcome', { serverVersion: text, deviceKey, serverTimeMs: millis, limits })],
  ping: [0x03, frame('ping', { nonce: u32 })],
  pong: [0x04, frame('pong', { nonce: u32 })],
  error: [0x05, frame('error', { code: oneOf(text, isErrorCode), message: text, fatal: bool })],
  ok: [0x06, frame('ok', {})],
  // upload
  begin: [0x10, frame('begin', { messageId, conversationId, wraps: array(wrap, MAX_WRAPS) })],
  chunk: [0x11, frame('chunk', { messageId, index: chunkIndex, final: bool, data: bytes(MAX_CHUNK_BYTES) })],
  ack: [0x12, frame('ack', { messageId, nextIndex: chunkPosition })],
  resume: [0x13, frame('resume', { messageId })],
  resumeState: [
    0x14,
    frame('resumeState', {
      messageId,
      state: enumeration(['unknown', 'uploading', 'committed'] as const),
      nextIndex: chunkPosition,
    }),
  ],
  commit: [0x15, frame('commit', { messageId, chunkCount, metadata: bytes(MAX_METADATA_BYTES) })],
  committed: [0x16, frame('committed', { messageId, committedAtMs: millis })],
  abort: [0x17, frame('abort', { messageId })],
  aborted: [0x18, frame('aborted', { messageId })],
  // delivery
  sync: [0x20, frame('sync', { after: cursor, limit: range(u16, 1, MAX_EVENTS_PER_BATCH) })],
  events: [0x21, frame('events', { events: array(EVENT, MAX_EVENTS_PER_BATCH), hasMore: bool })],
  fetch: [0x22, frame('fetch', { messageId, fromIndex: chunkPosition })],
  chunkData: [
    0x23,
    frame('chunkData', { messageId, index: chunkIndex, final: bool, data: bytes(MAX_CHUNK_BYTES) }),
  ],
  fetchEnd: [0x24, frame('fetchEnd', { messageId, chunkCount })],
  receipt: [0x25, frame('receipt', { messageId, kind: receiptKind })],
  // directory
  createConversation: [0x30, frame('createConversation', { conversationId, members })],
  addMembers: [0x31, frame('addMembers', { conversationId, members })],
  leaveConversation: [0x32, frame('leaveConversation', { conversationId })],
  listConversations: [0x33, frame('listConversations', { after: nullable(conversationId) })],
  conversations: [
    0x34,
    frame('conversations', {
      conversations: array(struct('conversations[]', { conversationId, members }), 0xffff),
      hasMore: bool,
    }),
  ],
};

/** Wire type code of each frame type. */
export const FRAME_TYPE_CODES = Object.fromEntries(
  Object.entries(FRAMES).map(([type, [code]]) => [type, code]),
) as Readonly<Record<FrameType, number>>;

/** Type code, request id and body of any frame (everything after the version byte). */
export const FRAME = variants<Frame>('frame', FRAMES, 'UNKNOWN_FRAME_TYPE');
