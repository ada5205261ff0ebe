import { randomBytes } from 'node:crypto';
import {
  asConversationId,
  asMessageId,
  type ConversationId,
  type MessageId,
} from '../../src/shared/protocol';

/** A fresh random message id. */
export function newMessageId(): MessageId {
  return asMessageId(randomBytes(16));
}

/** A fresh random conversation id. */
export function newConversationId(): ConversationId {
  return asConversationId(randomBytes(16));
}
