import type { Millis } from '../brand';
import type { ErrorCode } from './errors';
import type { Event, ReceiptKind } from './events';
import type { ChunkIndex, ConversationId, Cursor, DeviceKey, MessageId, RequestId } from './ids';

/** Fields every frame carries in its header. */
interface FrameBase<T extends string> {
  /** Discriminant; each value has one wire type code (FRAME_TYPE_CODES). */
  readonly type: T;
  /** Chosen by the requester, echoed by every reply; 0 on server pushes. */
  readonly requestId: RequestId;
}

// ---- session ----

/** C→S, first frame of a session: who is connecting. Reply: `welcome`. */
export interface HelloFrame extends FrameBase<'hello'> {
  readonly clientVersion: string;
  /** Human label for this device, e.g. "Firefox on laptop". */
  readonly deviceName: string;
}

/** Limits the server enforces, each at most the protocol constant of the same name. */
export interface ServerLimits {
  /** Largest `chunk.data` accepted (≤ MAX_CHUNK_BYTES). */
  readonly maxChunkBytes: number;
  /** Largest `commit.chunkCount` accepted (≤ MAX_CHUNKS_PER_MESSAGE). */
  readonly maxChunksPerMessage: number;
  /** Largest `commit.metadata` accepted (≤ MAX_METADATA_BYTES). */
  readonly maxMetadataBytes: number;
  /** Most devices in a conversation (≤ MAX_MEMBERS). */
  readonly maxMembers: number;
  /** Most events per `events` frame (≤ MAX_EVENTS_PER_BATCH). */
  readonly maxEventsPerBatch: number;
  /** Most uploads begun and not yet committed or aborted (≤ MAX_IN_FLIGHT_UPLOADS). */
  readonly maxInFlightUploads: number;
}

/** S→C reply to `hello`: the session is open. */
export interface WelcomeFrame extends FrameBase<'welcome'> {
  readonly serverVersion: string;
  /** The device key the Noise handshake authenticated, as the server sees it. */
  readonly deviceKey: DeviceKey;
  /** Server clock, for skew estimation. */
  readonly serverTimeMs: Millis;
  readonly limits: ServerLimits;
}

/** Either direction: liveness probe. Reply: `pong` with the same nonce. */
export interface PingFrame extends FrameBase<'ping'> {
  readonly nonce: number;
}

/** Either direction: reply to `ping`. */
export interface PongFrame extends FrameBase<'pong'> {
  readonly nonce: number;
}

/** S→C: a request failed (request id echoed) or the session is ending (request id 0). */
export interface ErrorFrame extends FrameBase<'error'> {
  readonly code: ErrorCode;
  /** Human-readable sentence; never a stack trace. */
  readonly message: string;
  /** True when the server closes the connection right after this frame. */
  readonly fatal: boolean;
}

/** S→C: generic success reply with no data. */
export type OkFrame = FrameBase<'ok'>;

// ---- upload ----

/** The message key wrapped for one device. */
export interface Wrap {
  readonly deviceKey: DeviceKey;
  /** Opaque to the server, at most MAX_WRAPPED_KEY_BYTES. */
  readonly wrapped: Uint8Array;
}

/** C→S: start (or idempotently restate) an upload. Reply: `ack`. */
export interface BeginFrame extends FrameBase<'begin'> {
  readonly messageId: MessageId;
  readonly conversationId: ConversationId;
  /** One per recipient device, the sender's own included. */
  readonly wraps: readonly Wrap[];
}

/** C→S: one sealed chunk of an upload. Reply: `ack`. */
export interface ChunkFrame extends FrameBase<'chunk'> {
  readonly messageId: MessageId;
  /** Below MAX_CHUNKS_PER_MESSAGE. */
  readonly index: ChunkIndex;
  /** True on the last chunk of the message only. */
  readonly final: boolean;
  /** Ciphertext, at most MAX_CHUNK_BYTES. */
  readonly data: Uint8Array;
}

/** S→C reply to `begin`/`chunk`: chunks 0..nextIndex-1 are durable. */
export interface AckFrame extends FrameBase<'ack'> {
  readonly messageId: MessageId;
  /** Number of contiguous chunks stored from index 0. */
  readonly nextIndex: ChunkIndex;
}

/** C→S: where does this upload stand? Reply: `resumeState`. */
export interface ResumeFrame extends FrameBase<'resume'> {
  readonly messageId: MessageId;
}

/** Server-side state of an upload. */
export type UploadState = 'unknown' | 'uploading' | 'committed';

/** S→C reply to `resume`. */
export interface ResumeStateFrame extends FrameBase<'resumeState'> {
  readonly messageId: MessageId;
  readonly state: UploadState;
  /** Contiguous chunks stored from 0 (0 when unknown, chunkCount when committed). */
  readonly nextIndex: ChunkIndex;
}

/** C→S: send the message (idempotent). Reply: `committed`. */
export interface CommitFrame extends FrameBase<'commit'> {
  readonly messageId: MessageId;
  /** 1..MAX_CHUNKS_PER_MESSAGE; chunk chunkCount-1 must be the final one. */
  readonly chunkCount: number;
  /** Encrypted metadata, opaque to the server, at most MAX_METADATA_BYTES. */
  readonly metadata: Uint8Array;
}

/** S→C reply to `commit`: the message is sent. */
export interface CommittedFrame extends FrameBase<'committed'> {
  readonly messageId: MessageId;
  /** Server time of the (first) commit. */
  readonly committedAtMs: Millis;
}

/** C→S: cancel an upload before commit; the server deletes it. Reply: `aborted`. */
export interface AbortFrame extends FrameBase<'abort'> {
  readonly messageId: MessageId;
}

/** S→C reply to `abort`. */
export interface AbortedFrame extends FrameBase<'aborted'> {
  readonly messageId: MessageId;
}

// ---- delivery ----

/** C→S: events after a cursor. Reply: `events`. */
export interface SyncFrame extends FrameBase<'sync'> {
  /** Last cursor the device has processed (CURSOR_START for all). */
  readonly after: Cursor;
  /** 1..MAX_EVENTS_PER_BATCH. */
  readonly limit: number;
}

/** S→C reply to `sync`, or a push (request id 0) when new events arrive. */
export interface EventsFrame extends FrameBase<'events'> {
  /** In ascending cursor order. */
  readonly events: readonly Event[];
  /** True when more events exist after the last one. */
  readonly hasMore: boolean;
}

/** C→S: stream a committed message's chunks from an index. Replies: `chunkData`… then `fetchEnd`. */
export interface FetchFrame extends FrameBase<'fetch'> {
  readonly messageId: MessageId;
  readonly fromIndex: ChunkIndex;
}

/** S→C: one chunk of a `fetch` stream. */
export interface ChunkDataFrame extends FrameBase<'chunkData'> {
  readonly messageId: MessageId;
  readonly index: ChunkIndex;
  readonly final: boolean;
  readonly data: Uint8Array;
}

/** S→C: end of a `fetch` stream. */
export interface FetchEndFrame extends FrameBase<'fetchEnd'> {
  readonly messageId: MessageId;
  /** Total chunks of the message. */
  readonly chunkCount: number;
}

/** C→S: this device received or played a message. Reply: `ok`. */
export interface ReceiptFrame extends FrameBase<'receipt'> {
  readonly messageId: MessageId;
  readonly kind: ReceiptKind;
}

// ---- directory ----

/** C→S: create a conversation; the sender is a member implicitly. Reply: `ok`. */
export interface CreateConversationFrame extends FrameBase<'createConversation'> {
  readonly conversationId: ConversationId;
  readonly members: readonly DeviceKey[];
}

/** C→S: add devices to a conversation the sender belongs to. Reply: `ok`. */
export interface AddMembersFrame extends FrameBase<'addMembers'> {
  readonly conversationId: ConversationId;
  readonly members: readonly DeviceKey[];
}

/** C→S: remove the sending device from a conversation. Reply: `ok`. */
export interface LeaveConversationFrame extends FrameBase<'leaveConversation'> {
  readonly conversationId: ConversationId;
}

/** C→S: list this device's conversations, a page at a time. Reply: `conversations`. */
export interface ListConversationsFrame extends FrameBase<'listConversations'> {
  /** Last conversation id of the previous page, or null for the first page. */
  readonly after: ConversationId | null;
}

/** One conversation and its members. */
export interface ConversationInfo {
  readonly conversationId: ConversationId;
  readonly members: readonly DeviceKey[];
}

/** S→C reply to `listConversations`, in ascending byte order of conversation id. */
export interface ConversationsFrame extends FrameBase<'conversations'> {
  readonly conversations: readonly ConversationInfo[];
  /** True when another page follows. */
  readonly hasMore: boolean;
}

// ---- unions ----

/** Frames a client sends. */
export type ClientFrame =
  | HelloFrame
  | PingFrame
  | PongFrame
  | BeginFrame
  | ChunkFrame
  | ResumeFrame
  | CommitFrame
  | AbortFrame
  | SyncFrame
  | FetchFrame
  | ReceiptFrame
  | CreateConversationFrame
  | AddMembersFrame
  | LeaveConversationFrame
  | ListConversationsFrame;

/** Frames a server sends. */
export type ServerFrame =
  | WelcomeFrame
  | PingFrame
  | PongFrame
  | ErrorFrame
  | OkFrame
  | AckFrame
  | ResumeStateFrame
  | CommittedFrame
  | AbortedFrame
  | EventsFrame
  | ChunkDataFrame
  | FetchEndFrame
  | ConversationsFrame;

/** Any inner frame: the plaintext of one Noise transport message. */
export type Frame = ClientFrame | ServerFrame;

/** The `type` of a Frame. */
export type FrameType = Frame['type'];

/** The frame interface for a `type`, e.g. `FrameOf<'chunk'>` is ChunkFrame. */
export type FrameOf<T extends FrameType> = Extract<Frame, { readonly type: T }>;

/** The success reply to each request (any request may instead get an `error` with its request id). */
export interface Replies {
  hello: WelcomeFrame;
  ping: PongFrame;
  begin: AckFrame;
  chunk: AckFrame;
  resume: ResumeStateFrame;
  commit: CommittedFrame;
  abort: AbortedFrame;
  sync: EventsFrame;
  fetch: ChunkDataFrame | FetchEndFrame;
  receipt: OkFrame;
  createConversation: OkFrame;
  addMembers: OkFrame;
  leaveConversation: OkFrame;
  listConversations: ConversationsFrame;
}
