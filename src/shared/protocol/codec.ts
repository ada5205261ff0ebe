import { Reader, Writer } from './bytes';
import { ProtocolError } from './errors';
import type { Event } from './events';
import type { ClientFrame, Frame, FrameType, ServerFrame } from './frames';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION } from './limits';
import { EVENT, FRAME } from './schema';

/** Frame types a client may send (ping and pong go both ways). */
const CLIENT_TYPES = new Set<FrameType>([
  'hello',
  'ping',
  'pong',
  'begin',
  'chunk',
  'resume',
  'commit',
  'abort',
  'sync',
  'fetch',
  'receipt',
  'createConversation',
  'addMembers',
  'leaveConversation',
  'listConversations',
] satisfies ClientFrame['type'][]);

/** Frame types a server may send (ping and pong go both ways). */
const SERVER_TYPES = new Set<FrameType>([
  'welcome',
  'ping',
  'pong',
  'error',
  'ok',
  'ack',
  'resumeState',
  'committed',
  'aborted',
  'events',
  'chunkData',
  'fetchEnd',
  'conversations',
] satisfies ServerFrame['type'][]);

/** Encoded size of a frame in bytes; throws FIELD_TOO_LARGE like encodeFrame. */
export function encodedFrameBytes(frame: Frame): number {
  return 1 + FRAME.size(frame, 'frame');
}

/** Encoded size of one event inside an `events` frame, for packing batches under MAX_FRAME_BYTES. */
export function encodedEventBytes(event: Event): number {
  return EVENT.size(event, 'event');
}

/** Encodes a frame (version byte, type code, request id, body); throws ProtocolError on an invalid frame. */
export function encodeFrame(frame: Frame): Uint8Array {
  const size = encodedFrameBytes(frame);
  if (size > MAX_FRAME_BYTES) {
    throw new ProtocolError(
      'FIELD_TOO_LARGE',
      `${frame.type}: frame of ${size} bytes, limit ${MAX_FRAME_BYTES}`,
    );
  }
  const writer = new Writer(size);
  writer.u8(PROTOCOL_VERSION, 'version');
  FRAME.write(writer, frame, 'frame');
  return writer.finish();
}

/** Decodes exactly one frame; throws ProtocolError. Byte fields are views into `bytes`, ids are copies. */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.length > MAX_FRAME_BYTES) {
    throw new ProtocolError('FIELD_TOO_LARGE', `frame of ${bytes.length} bytes, limit ${MAX_FRAME_BYTES}`);
  }
  const reader = new Reader(bytes);
  const version = reader.u8('version');
  if (version !== PROTOCOL_VERSION) {
    throw new ProtocolError('BAD_VERSION', `protocol version ${version}, expected ${PROTOCOL_VERSION}`);
  }
  const frame = FRAME.read(reader, 'frame');
  if (reader.remaining > 0) {
    throw new ProtocolError(
      'TRAILING_BYTES',
      `${frame.type}: ${reader.remaining} extra bytes after the body`,
    );
  }
  return frame;
}

/** Whether a frame is one a client may send. */
export function isClientFrame(frame: Frame): frame is ClientFrame {
  return CLIENT_TYPES.has(frame.type);
}

/** Whether a frame is one a server may send. */
export function isServerFrame(frame: Frame): frame is ServerFrame {
  return SERVER_TYPES.has(frame.type);
}

/** Decodes a frame received by the server; a server-only frame throws OUT_OF_ORDER. */
export function decodeClientFrame(bytes: Uint8Array): ClientFrame {
  const frame = decodeFrame(bytes);
  if (!isClientFrame(frame)) {
    throw new ProtocolError('OUT_OF_ORDER', `${frame.type}: only the server sends this frame`);
  }
  return frame;
}

/** Decodes a frame received by the client; a client-only frame throws OUT_OF_ORDER. */
export function decodeServerFrame(bytes: Uint8Array): ServerFrame {
  const frame = decodeFrame(bytes);
  if (!isServerFrame(frame)) {
    throw new ProtocolError('OUT_OF_ORDER', `${frame.type}: only a client sends this frame`);
  }
  return frame;
}
