/** Offline-first bookkeeping (DESIGN.md §8): backoff policy, outbox state machine, upload policy. */
export * from './backoff';
export * from './outbox-state';
export * from './upload-policy';
