import type { WakeUp } from '../../../../src/node/server/fanout';
import type { Cursor } from '../../../../src/shared/protocol';

/** How long a test waits for a wake-up before failing (Redis round trips take about a millisecond). */
export const DELIVERY_TIMEOUT_MS = 2_000;

/** A listener that records the cursors it is woken with and lets a test wait for one. */
export interface Recorder {
  /** The listener to subscribe. */
  readonly listener: WakeUp;
  /** Cursors received, in order. */
  readonly calls: readonly Cursor[];
  /** Resolves once `cursor` has been received (at once if it was); rejects after DELIVERY_TIMEOUT_MS. */
  received(cursor: number): Promise<void>;
}

/** A fresh recorder; `name` appears in the timeout message. */
export function recorder(name: string): Recorder {
  const calls: Cursor[] = [];
  const waiting = new Set<{ cursor: number; resolve: () => void }>();
  return {
    calls,
    listener(cursor) {
      calls.push(cursor);
      for (const waiter of waiting) {
        if (waiter.cursor === cursor) {
          waiting.delete(waiter);
          waiter.resolve();
        }
      }
    },
    received(cursor) {
      if (calls.includes(cursor as Cursor)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const waiter = {
          cursor,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiting.delete(waiter);
          const got = calls.join(', ');
          reject(
            new Error(`${name} got no cursor ${cursor} within ${DELIVERY_TIMEOUT_MS} ms (got [${got}])`),
          );
        }, DELIVERY_TIMEOUT_MS);
        waiting.add(waiter);
      });
    },
  };
}
