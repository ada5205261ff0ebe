/** A nominal type: `Brand<string, 'MessageId'>` is a string that went through a guard. */
export type Brand<T, Name extends string> = T & { readonly __brand: Name };

/** A duration or a point in time in milliseconds. */
export type Millis = Brand<number, 'Millis'>;
