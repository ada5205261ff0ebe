// Clock and Random for the engine under Node.
import { randomBytes } from 'node:crypto';
import type { Clock, Random, Timer } from '../../client/ports';

/** The wall clock and Node timers. */
export const nodeClock: Clock = {
  now: () => Date.now(),
  setTimer(ms: number, callback: () => void): Timer {
    const handle = setTimeout(callback, ms);
    return {
      cancel() {
        clearTimeout(handle);
      },
    };
  },
};

/** Node's CSPRNG for ids; Math.random for backoff jitter (not a secret). */
export const nodeRandom: Random = {
  bytes: (length) => new Uint8Array(randomBytes(length)),
  unit: () => Math.random(),
};
