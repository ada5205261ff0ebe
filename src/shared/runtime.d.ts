// Globals every runtime Sotto targets provides (browsers, workers, worklets excepted, Node ≥ 20),
// declared here because `src/shared` compiles without the DOM and Node libraries on purpose.

interface TextEncoderEncodeIntoResult {
  read: number;
  written: number;
}

/** WHATWG TextEncoder (UTF-8 only). */
declare class TextEncoder {
  readonly encoding: 'utf-8';
  encode(input?: string): Uint8Array<ArrayBuffer>;
  encodeInto(source: string, destination: Uint8Array): TextEncoderEncodeIntoResult;
}

/** WHATWG TextDecoder. */
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  readonly encoding: string;
  readonly fatal: boolean;
  decode(input?: ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string;
}

/** Web Crypto's random source (Node exposes `globalThis.crypto` since v19). */
declare const crypto: { getRandomValues<T extends ArrayBufferView>(array: T): T };
