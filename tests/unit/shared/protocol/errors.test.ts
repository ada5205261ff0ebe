import { describe, expect, it } from 'vitest';
import {
  asChunkIndex,
  asConversationId,
  asDeviceKey,
  asMessageId,
  asRequestId,
  decodeClientFrame,
  decodeFrame,
  decodeServerFrame,
  encodeFrame,
  fromHex,
  isErrorCode,
  ERROR_POLICIES,
  MAX_CHUNKS_PER_MESSAGE,
  MAX_CHUNK_BYTES,
  MAX_FRAME_BYTES,
  MAX_WRAPS,
  ProtocolError,
  type ErrorCode,
  type Frame,
} from '../../../../src/shared/protocol';

const hex = (fields: string): Uint8Array => fromHex(fields.replace(/\s+/g, ''));
const ID16 = 'ab'.repeat(16);
const messageId = asMessageId(new Uint8Array(16));
const requestId = asRequestId(1);

/** Runs `action` and returns the ProtocolError it throws. */
function protocolError(action: () => unknown): ProtocolError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return error as ProtocolError;
  }
  throw new Error('expected a ProtocolError');
}

/** Asserts the error's class, code, close code, fatality and message. */
function expectError(action: () => unknown, code: ErrorCode, closeCode: number, message: string): void {
  const error = protocolError(action);
  expect(error.name).toBe('ProtocolError');
  expect(error.code).toBe(code);
  expect(error.closeCode).toBe(closeCode);
  expect(error.fatal).toBe(ERROR_POLICIES[code].fatal);
  expect(error.message).toBe(message);
}

describe('decodeFrame rejects malformed frames', () => {
  const cases: readonly [name: string, bytes: string, code: ErrorCode, closeCode: number, message: string][] =
    [
      ['empty input', '', 'TRUNCATED', 1002, 'version: needs 1 bytes, has 0'],
      ['another version', '02 03 00000000 00000000', 'BAD_VERSION', 4001, 'protocol version 2, expected 1'],
      ['unknown type code', '01 99 00000000', 'UNKNOWN_FRAME_TYPE', 1002, 'frame: unknown type code 0x99'],
      ['type code 0', '01 00 00000000', 'UNKNOWN_FRAME_TYPE', 1002, 'frame: unknown type code 0x00'],
      ['header cut short', '01 03 0000', 'TRUNCATED', 1002, 'ping.requestId: needs 4 bytes, has 2'],
      ['body cut short', '01 03 00000000 0000', 'TRUNCATED', 1002, 'ping.nonce: needs 4 bytes, has 2'],
      [
        'trailing bytes',
        '01 03 00000000 00000000 ff',
        'TRAILING_BYTES',
        1002,
        'ping: 1 extra bytes after the body',
      ],
      [
        'chunk data over MAX_CHUNK_BYTES',
        `01 11 00000000 ${ID16} 00000000 00 01fc0000`,
        'FIELD_TOO_LARGE',
        1009,
        `chunk.data: ${MAX_CHUNK_BYTES + 1} bytes, limit ${MAX_CHUNK_BYTES}`,
      ],
      [
        'chunk index at MAX_CHUNKS_PER_MESSAGE',
        `01 11 00000000 ${ID16} 44070000 00 00000000`,
        'FIELD_TOO_LARGE',
        1009,
        `chunk.index: ${MAX_CHUNKS_PER_MESSAGE}, limit ${MAX_CHUNKS_PER_MESSAGE - 1}`,
      ],
      [
        'commit of zero chunks',
        `01 15 00000000 ${ID16} 00000000 00000000`,
        'BAD_VALUE',
        1002,
        'commit.chunkCount: 0 is below 1',
      ],
      [
        'boolean byte 2',
        `01 11 00000000 ${ID16} 00000000 02 00000000`,
        'BAD_VALUE',
        1002,
        'chunk.final: boolean byte 2',
      ],
      ['receipt kind 0', `01 25 00000000 ${ID16} 00`, 'BAD_VALUE', 1002, 'receipt.kind: unknown value 0'],
      ['receipt kind 3', `01 25 00000000 ${ID16} 03`, 'BAD_VALUE', 1002, 'receipt.kind: unknown value 3'],
      [
        'cursor above 2^53-1',
        '01 20 00000000 0000000000002000 0100',
        'BAD_VALUE',
        1002,
        'sync.after: u64 above 2^53-1',
      ],
      ['sync limit 0', '01 20 00000000 0000000000000000 0000', 'BAD_VALUE', 1002, 'sync.limit: 0 is below 1'],
      [
        'overlong UTF-8',
        '01 01 00000000 0200 c0af 0000',
        'BAD_UTF8',
        1002,
        'hello.clientVersion: invalid UTF-8 at byte 0',
      ],
      [
        'UTF-8 surrogate',
        '01 01 00000000 0000 0300 eda080',
        'BAD_UTF8',
        1002,
        'hello.deviceName: invalid UTF-8 at byte 0',
      ],
      [
        'unknown error code',
        '01 05 00000000 0300 464f4f 0000 00',
        'BAD_VALUE',
        1002,
        'error.code: unknown value "FOO"',
      ],
      ['unknown event type', '01 21 00000000 0100 07', 'BAD_VALUE', 1002, 'event: unknown type code 0x07'],
      ['presence flag 2', '01 33 00000000 02', 'BAD_VALUE', 1002, 'listConversations.after: boolean byte 2'],
      [
        'array count over its limit',
        `01 30 00000000 ${ID16} 0101`,
        'FIELD_TOO_LARGE',
        1009,
        'createConversation.members: 257 items, limit 256',
      ],
    ];
  for (const [name, bytes, code, closeCode, message] of cases) {
    it(`${name}: ${code}`, () => {
      expectError(() => decodeFrame(hex(bytes)), code, closeCode, message);
    });
  }

  it('rejects input longer than MAX_FRAME_BYTES before parsing it', () => {
    expectError(
      () => decodeFrame(new Uint8Array(MAX_FRAME_BYTES + 1)),
      'FIELD_TOO_LARGE',
      1009,
      `frame of ${MAX_FRAME_BYTES + 1} bytes, limit ${MAX_FRAME_BYTES}`,
    );
  });

  it('decodeClientFrame refuses server frames and decodeServerFrame client frames (OUT_OF_ORDER)', () => {
    const ack = encodeFrame({ type: 'ack', requestId, messageId, nextIndex: asChunkIndex(0) });
    const resume = encodeFrame({ type: 'resume', requestId, messageId });
    const ping = encodeFrame({ type: 'ping', requestId, nonce: 5 });
    expectError(() => decodeClientFrame(ack), 'OUT_OF_ORDER', 1002, 'ack: only the server sends this frame');
    expectError(
      () => decodeServerFrame(resume),
      'OUT_OF_ORDER',
      1002,
      'resume: only a client sends this frame',
    );
    expect(decodeClientFrame(resume).type).toBe('resume');
    expect(decodeServerFrame(ack).type).toBe('ack');
    expect(decodeClientFrame(ping).type).toBe('ping');
    expect(decodeServerFrame(ping).type).toBe('ping');
  });
});

describe('encodeFrame rejects invalid frames with the decoder’s codes', () => {
  const chunk = (data: Uint8Array): Frame => ({
    type: 'chunk',
    requestId,
    messageId,
    index: asChunkIndex(0),
    final: false,
    data,
  });

  it('data over MAX_CHUNK_BYTES: FIELD_TOO_LARGE naming the field', () => {
    expectError(
      () => encodeFrame(chunk(new Uint8Array(MAX_CHUNK_BYTES + 1))),
      'FIELD_TOO_LARGE',
      1009,
      `chunk.data: ${MAX_CHUNK_BYTES + 1} bytes, limit ${MAX_CHUNK_BYTES}`,
    );
  });

  it('a frame over MAX_FRAME_BYTES although every field is within its limit: FIELD_TOO_LARGE', () => {
    const wraps = Array.from({ length: MAX_WRAPS }, () => ({
      deviceKey: asDeviceKey(new Uint8Array(32)),
      wrapped: new Uint8Array(256),
    }));
    const begin: Frame = {
      type: 'begin',
      requestId,
      messageId,
      conversationId: asConversationId(new Uint8Array(16)),
      wraps,
    };
    expectError(
      () => encodeFrame(begin),
      'FIELD_TOO_LARGE',
      1009,
      `begin: frame of 74792 bytes, limit ${MAX_FRAME_BYTES}`,
    );
  });

  it('an id of the wrong length: BAD_VALUE', () => {
    const frame = { type: 'resume', requestId, messageId: new Uint8Array(15) } as unknown as Frame;
    expectError(() => encodeFrame(frame), 'BAD_VALUE', 1002, 'resume.messageId: 15 bytes, expected 16');
  });

  it('a request id outside u32: BAD_VALUE', () => {
    const frame = { type: 'ok', requestId: -1 } as unknown as Frame;
    expectError(() => encodeFrame(frame), 'BAD_VALUE', 1002, 'ok.requestId: -1 is below 0');
  });

  it('a fractional nonce: BAD_VALUE', () => {
    expectError(
      () => encodeFrame({ type: 'ping', requestId, nonce: 1.5 }),
      'BAD_VALUE',
      1002,
      'ping.nonce: 1.5 is not an integer in 0..4294967295',
    );
  });

  it('a lone surrogate in a string: BAD_UTF8', () => {
    expectError(
      () => encodeFrame({ type: 'hello', requestId, clientVersion: 'a\ud800b', deviceName: '' }),
      'BAD_UTF8',
      1002,
      'hello.clientVersion: lone surrogate at index 1',
    );
  });

  it('an unknown error code: BAD_VALUE', () => {
    const frame = { type: 'error', requestId, code: 'NOPE', message: '', fatal: true } as unknown as Frame;
    expectError(() => encodeFrame(frame), 'BAD_VALUE', 1002, 'error.code: unknown value "NOPE"');
  });

  it('an unknown frame type: BAD_VALUE', () => {
    const frame = { type: 'nope', requestId } as unknown as Frame;
    expectError(() => encodeFrame(frame), 'BAD_VALUE', 1002, 'frame: unknown type "nope"');
  });
});

describe('error codes', () => {
  const CLOSE_CODES = new Set([1001, 1002, 1003, 1008, 1009, 1011, 1013, 4001, 4002, 4003]);

  it('map to a known WebSocket close code each', () => {
    for (const [code, policy] of Object.entries(ERROR_POLICIES)) {
      expect(isErrorCode(code)).toBe(true);
      expect(CLOSE_CODES.has(policy.closeCode), code).toBe(true);
    }
  });

  it('make malformed input fatal and per-request refusals not', () => {
    expect(ERROR_POLICIES.TRUNCATED.fatal).toBe(true);
    expect(ERROR_POLICIES.FIELD_TOO_LARGE).toEqual({ closeCode: 1009, fatal: true });
    expect(ERROR_POLICIES.NOT_A_MEMBER).toEqual({ closeCode: 1008, fatal: false });
    expect(ERROR_POLICIES.TOO_MANY_CONNECTIONS).toEqual({ closeCode: 1013, fatal: true });
    expect(ERROR_POLICIES.INTERNAL).toEqual({ closeCode: 1011, fatal: true });
  });

  it('builds errors from the table and keeps the cause', () => {
    const cause = new Error('disk full');
    const error = new ProtocolError('QUOTA_EXCEEDED', 'Storage quota reached.', { cause });
    expect(error).toBeInstanceOf(Error);
    expect([error.code, error.closeCode, error.fatal, error.message]).toEqual([
      'QUOTA_EXCEEDED',
      1008,
      false,
      'Storage quota reached.',
    ]);
    expect(error.cause).toBe(cause);
    expect(isErrorCode('toString')).toBe(false);
  });
});
