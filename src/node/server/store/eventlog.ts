import {
  asCursor,
  type ConversationChange,
  type ConversationId,
  type DeviceKey,
  type MessageId,
  type ReceiptKind,
} from '../../../shared/protocol';
import { packKeys, type EventParams } from './rows';
import type { Statements } from './statements';
import type { Appended } from './store';

/** The stored columns of one event, before it is given a device and a cursor. */
export type EventFields = Omit<EventParams, 'device_key' | 'seq'>;

const NO_EVENT_FIELDS = {
  message_id: null,
  conversation_id: null,
  from_device: null,
  receipt_kind: null,
  at_ms: null,
  members: null,
  change: null,
} as const;

/** A `message` event: the rest (sender, wrap, metadata) is joined from the message when read. */
export function messageEvent(messageId: MessageId): EventFields {
  return { ...NO_EVENT_FIELDS, kind: 'message', message_id: messageId };
}

/** A `receipt` event for the message's sender. */
export function receiptEvent(
  messageId: MessageId,
  from: DeviceKey,
  kind: ReceiptKind,
  atMs: number,
): EventFields {
  return {
    ...NO_EVENT_FIELDS,
    kind: 'receipt',
    message_id: messageId,
    from_device: from,
    receipt_kind: kind,
    at_ms: atMs,
  };
}

/** A `conversation` event carrying the member list after the change. */
export function conversationEvent(
  conversationId: ConversationId,
  members: readonly DeviceKey[],
  change: ConversationChange,
): EventFields {
  return {
    ...NO_EVENT_FIELDS,
    kind: 'conversation',
    conversation_id: conversationId,
    members: packKeys(members),
    change,
  };
}

/**
 * Appends one event to each device's log, each under the device's next cursor. Must run inside the
 * caller's write transaction: the counter row is bumped there (DESIGN.md §7), never a global id.
 */
export function appendEvents(sql: Statements, devices: readonly DeviceKey[], fields: EventFields): Appended {
  return devices.map((device) => {
    const seq = sql.nextSeq.get(device);
    if (seq === undefined) throw new Error('store: cursor allocation returned no row');
    sql.insertEvent.run({ ...fields, device_key: device, seq });
    return { device, cursor: asCursor(seq) };
  });
}
