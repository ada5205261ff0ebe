import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  encodeFrame,
  isErrorCode,
  toHex,
  ERROR_POLICIES,
  FRAME_TYPE_CODES,
  PROTOCOL_VERSION,
  ProtocolError,
} from '../../../../src/shared/protocol';
import { anyFrame, runs, SEED } from './arbitraries';

const RANDOM_RUNS = 20_000;
const MUTATION_RUNS = 20_000;

/** Decodes; only a ProtocolError with a known code may escape, and accepted input must be canonical. */
function decodeSafely(bytes: Uint8Array): void {
  let frame;
  try {
    frame = decodeFrame(bytes);
  } catch (error) {
    // Plain checks rather than expect(): this runs 40,000 times.
    if (!(error instanceof ProtocolError)) throw error;
    if (!isErrorCode(error.code) || error.closeCode !== ERROR_POLICIES[error.code].closeCode) {
      throw new Error(`unknown code ${error.code} / close code ${error.closeCode}`, { cause: error });
    }
    return;
  }
  // Every field has one encoding, so whatever decodes re-encodes to the same bytes.
  const again = toHex(encodeFrame(frame));
  if (again !== toHex(bytes)) expect(again).toBe(toHex(bytes));
}

/** One edit of a byte string; positions are taken modulo its length. */
type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number };

const position = fc.nat({ max: 1 << 16 });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: position, byte: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: position,
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: position, count: fc.integer({ min: 1, max: 8 }) }),
);

function mutate(input: Uint8Array, edit: Mutation): Uint8Array {
  const at = input.length === 0 ? 0 : edit.at % input.length;
  switch (edit.kind) {
    case 'flip': {
      const out = input.slice();
      if (out.length > 0) out[at] = (out[at] ?? 0) ^ (1 << edit.bit);
      return out;
    }
    case 'set': {
      const out = input.slice();
      if (out.length > 0) out[at] = edit.byte;
      return out;
    }
    case 'truncate':
      return input.slice(0, at);
    case 'insert': {
      const out = new Uint8Array(input.length + edit.bytes.length);
      out.set(input.subarray(0, at));
      out.set(edit.bytes, at);
      out.set(input.subarray(at), at + edit.bytes.length);
      return out;
    }
    case 'delete': {
      const tail = input.subarray(Math.min(input.length, at + edit.count));
      const out = new Uint8Array(at + tail.length);
      out.set(input.subarray(0, at));
      out.set(tail, at);
      return out;
    }
  }
}

describe('decodeFrame never fails with anything but a ProtocolError', () => {
  it(`${RANDOM_RUNS} random byte strings (half behind a valid header)`, () => {
    const codes = Object.values(FRAME_TYPE_CODES);
    const headed = fc
      .tuple(
        fc.constantFrom(...codes),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.uint8Array({ maxLength: 200 }),
      )
      .map(([code, requestId, body]) => Uint8Array.of(PROTOCOL_VERSION, code, ...requestId, ...body));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), headed), decodeSafely),
      runs(RANDOM_RUNS),
    );
  });

  it(`${MUTATION_RUNS} mutations (bit flips, overwrites, truncations, insertions, deletions) of valid frames`, () => {
    // A fixed pool keeps generation cheap; the seed makes it reproducible.
    const pool = fc.sample(anyFrame, { seed: SEED, numRuns: 400 }).map(encodeFrame);
    const mutated = fc
      .tuple(fc.nat({ max: pool.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }))
      .map(([which, edits]) => edits.reduce(mutate, pool[which] ?? new Uint8Array()));
    fc.assert(fc.property(mutated, decodeSafely), runs(MUTATION_RUNS));
  });
});
