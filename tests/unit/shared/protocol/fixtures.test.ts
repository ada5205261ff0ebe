import { describe, expect, it } from 'vitest';
import {
  asChunkIndex,
  asConversationId,
  asCursor,
  asDeviceKey,
  asMessageId,
  asMillis,
  asRequestId,
  decodeFrame,
  encodeFrame,
  fromHex,
  toHex,
  MAX_CHUNKS_PER_MESSAGE,
  MAX_CHUNK_BYTES,
  MAX_EVENTS_PER_BATCH,
  MAX_IN_FLIGHT_UPLOADS,
  MAX_MEMBERS,
  MAX_METADATA_BYTES,
  PUSH_REQUEST_ID,
  type Frame,
} from '../../../../src/shared/protocol';

/** Hex with spaces between fields, for readable fixtures. */
const hex = (fields: string): Uint8Array => fromHex(fields.replace(/\s+/g, ''));
const filled = (length: number, byte: number): Uint8Array => new Uint8Array(length).fill(byte);
const repeat = (byteHex: string, count: number): string => byteHex.repeat(count);

const MESSAGE_ID = asMessageId(filled(16, 0xab));

const FIXTURES: readonly { name: string; frame: Frame; bytes: string }[] = [
  {
    name: 'hello',
    frame: { type: 'hello', requestId: asRequestId(1), clientVersion: 'web/0.1.0', deviceName: 'Zoë' },
    bytes: '01 01 01000000  0900 7765622f302e312e30  0400 5a6fc3ab',
  },
  {
    name: 'welcome with the protocol limits',
    frame: {
      type: 'welcome',
      requestId: asRequestId(1),
      serverVersion: '0.1.0',
      deviceKey: asDeviceKey(filled(32, 0x33)),
      serverTimeMs: asMillis(1),
      limits: {
        maxChunkBytes: MAX_CHUNK_BYTES,
        maxChunksPerMessage: MAX_CHUNKS_PER_MESSAGE,
        maxMetadataBytes: MAX_METADATA_BYTES,
        maxMembers: MAX_MEMBERS,
        maxEventsPerBatch: MAX_EVENTS_PER_BATCH,
        maxInFlightUploads: MAX_IN_FLIGHT_UPLOADS,
      },
    },
    bytes: `01 02 01000000  0500 302e312e30  ${repeat('33', 32)}  0100000000000000
            00fc0000 44070000 00080000 0001 6400 0800`,
  },
  {
    name: 'chunk',
    frame: {
      type: 'chunk',
      requestId: asRequestId(7),
      messageId: MESSAGE_ID,
      index: asChunkIndex(3),
      final: true,
      data: new Uint8Array([1, 2, 3]),
    },
    bytes: `01 11 07000000  ${repeat('ab', 16)}  03000000  01  03000000 010203`,
  },
  {
    name: 'ack',
    frame: { type: 'ack', requestId: asRequestId(7), messageId: MESSAGE_ID, nextIndex: asChunkIndex(4) },
    bytes: `01 12 07000000  ${repeat('ab', 16)}  04000000`,
  },
  {
    name: 'error',
    frame: {
      type: 'error',
      requestId: asRequestId(9),
      code: 'NOT_A_MEMBER',
      message: 'Not a member.',
      fatal: false,
    },
    bytes: '01 05 09000000  0c00 4e4f545f415f4d454d424552  0d00 4e6f742061206d656d6265722e  00',
  },
  {
    name: 'sync',
    frame: { type: 'sync', requestId: asRequestId(0xffff_fffe), after: asCursor(0), limit: 100 },
    bytes: '01 20 feffffff  0000000000000000  6400',
  },
  {
    name: 'events push with one receipt',
    frame: {
      type: 'events',
      requestId: PUSH_REQUEST_ID,
      events: [
        {
          type: 'receipt',
          cursor: asCursor(2 ** 32 + 5),
          messageId: asMessageId(filled(16, 0x11)),
          from: asDeviceKey(filled(32, 0x22)),
          kind: 'played',
          atMs: asMillis(1_700_000_000_000),
        },
      ],
      hasMore: false,
    },
    bytes: `01 21 00000000  0100  02 0500000001000000 ${repeat('11', 16)} ${repeat('22', 32)} 02
            0068e5cf8b010000  00`,
  },
  {
    name: 'listConversations, first page',
    frame: { type: 'listConversations', requestId: asRequestId(3), after: null },
    bytes: '01 33 03000000  00',
  },
  {
    name: 'listConversations, next page',
    frame: {
      type: 'listConversations',
      requestId: asRequestId(3),
      after: asConversationId(filled(16, 0xcc)),
    },
    bytes: `01 33 03000000  01 ${repeat('cc', 16)}`,
  },
  {
    name: 'ok',
    frame: { type: 'ok', requestId: asRequestId(0x0403_0201) },
    bytes: '01 06 01020304',
  },
];

describe('frame byte fixtures', () => {
  for (const { name, frame, bytes } of FIXTURES) {
    it(`${name}: encodes to the documented bytes and back`, () => {
      expect(toHex(encodeFrame(frame))).toBe(toHex(hex(bytes)));
      expect(decodeFrame(hex(bytes))).toEqual(frame);
    });
  }

  it('decodes ids as copies and byte fields as views of the input', () => {
    const input = encodeFrame(FIXTURES[2]?.frame ?? { type: 'ok', requestId: PUSH_REQUEST_ID });
    const frame = decodeFrame(input);
    if (frame.type !== 'chunk') throw new Error('expected a chunk');
    input[6] = 0; // first byte of messageId
    input[input.length - 1] = 9; // last byte of data
    expect(frame.messageId[0]).toBe(0xab);
    expect(frame.data[2]).toBe(9);
  });
});
