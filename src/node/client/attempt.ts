/** Runs synchronous storage work as a promise: a throw becomes a rejection, never a synchronous exception. */
export function attempt<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => {
    resolve(work());
  });
}
