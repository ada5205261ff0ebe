import type { Millis } from '../brand';
import type { ConversationId, Cursor, DeviceKey, MessageId } from './ids';

/** A message was committed in a conversation this device belongs to. */
export interface NewMessageEvent {
  readonly type: 'message';
  /** Position in this device's event log. */
  readonly cursor: Cursor;
  readonly messageId: MessageId;
  readonly conversationId: ConversationId;
  /** Device that sent the message. */
  readonly sender: DeviceKey;
  /** Number of chunks, 1..MAX_CHUNKS_PER_MESSAGE. */
  readonly chunkCount: number;
  /** Sum of the chunks' ciphertext bytes. */
  readonly totalBytes: number;
  /** The message key wrapped for this device (opaque to the server). */
  readonly wrap: Uint8Array;
  /** Encrypted metadata from the commit (opaque to the server). */
  readonly metadata: Uint8Array;
  /** Server time of the commit. */
  readonly committedAtMs: Millis;
}

/** How far a recipient device got with a message. */
export type ReceiptKind = 'delivered' | 'played';

/** A member device reported a receipt for a message. */
export interface ReceiptEvent {
  readonly type: 'receipt';
  /** Position in this device's event log. */
  readonly cursor: Cursor;
  readonly messageId: MessageId;
  /** Device that sent the receipt. */
  readonly from: DeviceKey;
  readonly kind: ReceiptKind;
  /** Server time the receipt arrived. */
  readonly atMs: Millis;
}

/** What happened to a conversation's membership. */
export type ConversationChange = 'created' | 'joined' | 'left';

/** A conversation was created or its membership changed. */
export interface ConversationEvent {
  readonly type: 'conversation';
  /** Position in this device's event log. */
  readonly cursor: Cursor;
  readonly conversationId: ConversationId;
  /** The full member list after the change. */
  readonly members: readonly DeviceKey[];
  readonly change: ConversationChange;
}

/** One entry of a device's event log, delivered by `events` frames. */
export type Event = NewMessageEvent | ReceiptEvent | ConversationEvent;

/** The `type` of an Event. */
export type EventType = Event['type'];
