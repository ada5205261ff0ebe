import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  encodedEventBytes,
  encodedFrameBytes,
  encodeFrame,
  isClientFrame,
  isServerFrame,
  FRAME_TYPE_CODES,
  PROTOCOL_VERSION,
  PUSH_REQUEST_ID,
  type FrameType,
} from '../../../../src/shared/protocol';
import { eventArb, frameArbs, runs } from './arbitraries';

describe('every frame type round-trips', () => {
  for (const [type, arbitrary] of Object.entries(frameArbs)) {
    it(`${type}: decode(encode(frame)) deep-equals frame`, () => {
      fc.assert(
        fc.property(arbitrary, (frame) => {
          const bytes = encodeFrame(frame);
          expect(bytes.length).toBe(encodedFrameBytes(frame));
          expect(bytes[0]).toBe(PROTOCOL_VERSION);
          expect(bytes[1]).toBe(FRAME_TYPE_CODES[type as FrameType]);
          expect(decodeFrame(bytes)).toEqual(frame);
          expect(isClientFrame(frame) || isServerFrame(frame)).toBe(true);
        }),
        runs(150),
      );
    });
  }

  it('encodedEventBytes is the share of one event in an events frame', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 5 }), (events) => {
        const empty = encodedFrameBytes({
          type: 'events',
          requestId: PUSH_REQUEST_ID,
          events: [],
          hasMore: false,
        });
        const full = encodedFrameBytes({
          type: 'events',
          requestId: PUSH_REQUEST_ID,
          events,
          hasMore: false,
        });
        expect(full).toBe(empty + events.reduce((sum, event) => sum + encodedEventBytes(event), 0));
      }),
      runs(200),
    );
  });

  it('gives every frame type its own code', () => {
    const codes = Object.values(FRAME_TYPE_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).not.toContain(0);
  });
});
