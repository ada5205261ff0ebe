/** Starts a promise on purpose without awaiting it; its rejection goes to `onError` instead of nowhere. */
export function drop(promise: PromiseLike<unknown>, onError: (error: unknown) => void): void {
  promise.then(undefined, onError);
}
