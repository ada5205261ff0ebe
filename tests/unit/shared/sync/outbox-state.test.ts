import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  OUTBOX_INITIAL,
  OutboxTransitionError,
  applyOutboxEvent,
  describeOutboxState,
  isPending,
  isSent,
  nextUploadStep,
  planResume,
  uploadErrorReaction,
  type OutboxEvent,
  type OutboxState,
} from '../../../../src/shared/sync';

const reduce = (events: readonly OutboxEvent[], from: OutboxState = OUTBOX_INITIAL): OutboxState =>
  events.reduce(applyOutboxEvent, from);
const sealed = (n: number): OutboxEvent[] =>
  Array.from({ length: n }, (_, i) => ({ type: 'chunkSealed', final: i === n - 1 }) as const);

describe('outbox state machine', () => {
  it('walks recording → sealed(n) → uploading(k of n) → sent → delivered → played', () => {
    let state = reduce([
      { type: 'chunkSealed', final: false },
      { type: 'acked', nextIndex: 1 },
    ]);
    expect(state).toEqual({ type: 'recording', sealed: 1, acked: 1 });
    state = reduce(
      [
        { type: 'chunkSealed', final: false },
        { type: 'chunkSealed', final: true },
      ],
      state,
    );
    expect(state).toEqual({ type: 'sealed', chunkCount: 3, acked: 1 });
    state = applyOutboxEvent(state, { type: 'acked', nextIndex: 2 });
    expect(state).toEqual({ type: 'uploading', chunkCount: 3, acked: 2 });
    expect(describeOutboxState(state)).toBe('uploading 2/3');
    state = reduce(
      [
        { type: 'acked', nextIndex: 3 },
        { type: 'committed', atMs: 100 },
      ],
      state,
    );
    expect(state).toEqual({ type: 'sent', chunkCount: 3, committedAtMs: 100 });
    state = applyOutboxEvent(state, { type: 'receipt', kind: 'delivered', atMs: 200 });
    expect(state.type).toBe('delivered');
    state = applyOutboxEvent(state, { type: 'receipt', kind: 'played', atMs: 300 });
    expect(state).toEqual({
      type: 'played',
      chunkCount: 3,
      committedAtMs: 100,
      deliveredAtMs: 200,
      playedAtMs: 300,
    });
  });

  it('is idempotent for repeated acks, commits and receipts, and never moves backwards', () => {
    const sent = reduce([...sealed(2), { type: 'acked', nextIndex: 2 }, { type: 'committed', atMs: 5 }]);
    expect(applyOutboxEvent(sent, { type: 'committed', atMs: 9 })).toBe(sent);
    const played = applyOutboxEvent(sent, { type: 'receipt', kind: 'played', atMs: 7 });
    expect(played).toMatchObject({ type: 'played', deliveredAtMs: 7, playedAtMs: 7 });
    expect(applyOutboxEvent(played, { type: 'receipt', kind: 'delivered', atMs: 8 })).toBe(played);
    const uploading = reduce([...sealed(4), { type: 'acked', nextIndex: 3 }]);
    expect(applyOutboxEvent(uploading, { type: 'acked', nextIndex: 1 })).toEqual(uploading);
  });

  it('lets a resume lower the ack count (the server expired the upload)', () => {
    const state = reduce([...sealed(4), { type: 'acked', nextIndex: 3 }, { type: 'resumed', nextIndex: 0 }]);
    expect(state).toEqual({ type: 'uploading', chunkCount: 4, acked: 0 });
  });

  it('treats a receipt before the commit reply as proof of the commit', () => {
    const state = reduce([...sealed(2), { type: 'receipt', kind: 'delivered', atMs: 42 }]);
    expect(state).toEqual({ type: 'delivered', chunkCount: 2, committedAtMs: 42, deliveredAtMs: 42 });
  });

  it('fails at once with the reason, and retry resumes where it stopped', () => {
    const before = reduce([...sealed(3), { type: 'acked', nextIndex: 1 }]);
    const reason = { code: 'NOT_A_MEMBER', message: 'not a member' };
    const failed = applyOutboxEvent(before, { type: 'failed', reason });
    expect(failed).toEqual({ type: 'failed', reason, resume: before });
    expect(isPending(failed)).toBe(false);
    expect(describeOutboxState(failed)).toBe('failed: NOT_A_MEMBER');
    expect(applyOutboxEvent(failed, { type: 'retry' })).toEqual(before);
  });

  it('keeps counting chunks sealed while a recording message is failed', () => {
    const reason = { code: 'NOT_A_MEMBER', message: 'not a member' };
    const failed = reduce([
      { type: 'chunkSealed', final: false },
      { type: 'failed', reason },
    ]);
    const later = reduce(
      [
        { type: 'chunkSealed', final: false },
        { type: 'chunkSealed', final: true },
      ],
      failed,
    );
    expect(later).toEqual({ type: 'failed', reason, resume: { type: 'sealed', chunkCount: 3, acked: 0 } });
  });

  it('rejects impossible transitions with a typed error', () => {
    const cases: [OutboxState, OutboxEvent][] = [
      [reduce(sealed(1)), { type: 'chunkSealed', final: false }],
      [OUTBOX_INITIAL, { type: 'committed', atMs: 1 }],
      [OUTBOX_INITIAL, { type: 'acked', nextIndex: 1 }],
      [OUTBOX_INITIAL, { type: 'receipt', kind: 'played', atMs: 1 }],
      [
        reduce([...sealed(1), { type: 'acked', nextIndex: 1 }, { type: 'committed', atMs: 1 }]),
        { type: 'failed', reason: { code: 'X', message: 'x' } },
      ],
    ];
    for (const [state, event] of cases) {
      expect(() => applyOutboxEvent(state, event)).toThrow(OutboxTransitionError);
    }
  });

  it('keeps its invariants under any event sequence (property)', () => {
    const event: fc.Arbitrary<OutboxEvent> = fc.oneof(
      fc.record({ type: fc.constant('chunkSealed' as const), final: fc.boolean() }),
      fc.record({ type: fc.constant('acked' as const), nextIndex: fc.nat(20) }),
      fc.record({ type: fc.constant('resumed' as const), nextIndex: fc.nat(20) }),
      fc.record({ type: fc.constant('committed' as const), atMs: fc.nat() }),
      fc.record({
        type: fc.constant('receipt' as const),
        kind: fc.constantFrom('delivered' as const, 'played' as const),
        atMs: fc.nat(),
      }),
      fc.constant({ type: 'failed', reason: { code: 'QUOTA_EXCEEDED', message: 'q' } } as const),
      fc.constant({ type: 'retry' } as const),
    );
    const rank = { recording: 0, sealed: 0, uploading: 0, failed: 0, sent: 1, delivered: 2, played: 3 };
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (events) => {
        let state = OUTBOX_INITIAL;
        for (const e of events) {
          let next: OutboxState;
          try {
            next = applyOutboxEvent(state, e);
          } catch (error) {
            expect(error).toBeInstanceOf(OutboxTransitionError);
            continue;
          }
          if (isPending(next)) {
            const count = next.type === 'recording' ? next.sealed : next.chunkCount;
            expect(next.acked).toBeLessThanOrEqual(count);
          }
          if (isSent(state)) expect(rank[next.type]).toBeGreaterThanOrEqual(rank[state.type]);
          state = next;
        }
      }),
    );
  });
});

describe('upload policy', () => {
  it('plans a resume from the server state', () => {
    expect(planResume('unknown', 0)).toEqual({ type: 'begin' });
    expect(planResume('uploading', 7)).toEqual({ type: 'send', from: 7 });
    expect(planResume('committed', 9)).toEqual({ type: 'commit' });
  });

  it('sends stored chunks in order within the window, then commits', () => {
    const recording = reduce([{ type: 'chunkSealed', final: false }]);
    expect(nextUploadStep(recording, 0, 0)).toEqual({ type: 'chunk', index: 0, final: false });
    expect(nextUploadStep(recording, 1, 1)).toEqual({ type: 'wait' });
    const state = reduce([...sealed(3), { type: 'acked', nextIndex: 1 }]);
    expect(nextUploadStep(state, 1, 0)).toEqual({ type: 'chunk', index: 1, final: false });
    expect(nextUploadStep(state, 2, 1)).toEqual({ type: 'wait' });
    expect(nextUploadStep(state, 2, 1, 4)).toEqual({ type: 'chunk', index: 2, final: true });
    const acked = applyOutboxEvent(state, { type: 'acked', nextIndex: 3 });
    expect(nextUploadStep(acked, 3, 0)).toEqual({ type: 'commit' });
    expect(nextUploadStep(applyOutboxEvent(acked, { type: 'committed', atMs: 1 }), 3, 0)).toEqual({
      type: 'done',
    });
  });

  it('fails permanent errors at once and retries transient ones', () => {
    expect(uploadErrorReaction('NOT_A_MEMBER')).toBe('fail');
    expect(uploadErrorReaction('QUOTA_EXCEEDED')).toBe('fail');
    expect(uploadErrorReaction('CHUNK_CONFLICT')).toBe('fail');
    expect(uploadErrorReaction('RATE_LIMITED')).toBe('retry');
    expect(uploadErrorReaction('TOO_MANY_UPLOADS')).toBe('retry');
    expect(uploadErrorReaction('UNKNOWN_MESSAGE')).toBe('resume');
    expect(uploadErrorReaction('INCOMPLETE_MESSAGE')).toBe('resume');
    expect(uploadErrorReaction('ALREADY_COMMITTED')).toBe('committed');
    expect(uploadErrorReaction('SHUTTING_DOWN')).toBe('reconnect');
    expect(uploadErrorReaction('INTERNAL')).toBe('reconnect');
  });
});
