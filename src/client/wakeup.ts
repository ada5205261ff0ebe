/** A level-triggered wake-up: `notify()` before `wait()` is not lost; one wait consumes all notifies. */
export class Wakeup {
  #pending = false;
  #resolve: (() => void) | null = null;

  /** Resolves at the next `notify()` (at once if one came since the last wait). */
  wait(): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#resolve = () => {
        this.#resolve = null;
        resolve();
      };
    });
  }

  /** Wakes the current waiter, or the next one. */
  notify(): void {
    if (this.#resolve === null) this.#pending = true;
    else this.#resolve();
  }
}

/** A promise with its resolve and reject functions outside (ES2024's Promise.withResolvers). */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** Creates a Deferred. */
export function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
