import sodium from 'libsodium-wrappers';
import { initNoise } from './noise';

/** Stable reason codes carried by every {@link SodiumError}. */
export type SodiumErrorCode = 'SODIUM_NOT_READY' | 'SODIUM_UNSUPPORTED';

/** libsodium could not be used: not loaded yet, or a build without a function we need. */
export class SodiumError extends Error {
  /** Stable machine-readable reason. */
  readonly code: SodiumErrorCode;

  constructor(code: SodiumErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SodiumError';
    this.code = code;
  }
}

/** The libsodium functions the end-to-end constructions call; the .d.ts also declares sumo-only ones, so check at runtime. */
const REQUIRED_FUNCTIONS = [
  'crypto_aead_xchacha20poly1305_ietf_encrypt',
  'crypto_aead_xchacha20poly1305_ietf_decrypt',
  'crypto_box_easy',
  'crypto_box_open_easy',
  'crypto_generichash',
  'randombytes_buf',
  'to_base64',
  'from_base64',
] as const;

let readyPromise: Promise<void> | null = null;
let isReady = false;

async function load(): Promise<void> {
  await sodium.ready;
  // Also readies the Noise module, so that one await covers key generation and the transport.
  await initNoise();
  const api = sodium as unknown as Record<string, unknown>;
  const missing = REQUIRED_FUNCTIONS.filter((name) => typeof api[name] !== 'function');
  if (missing.length > 0) {
    throw new SodiumError('SODIUM_UNSUPPORTED', `libsodium build lacks ${missing.join(', ')}`);
  }
  isReady = true;
}

/** Loads libsodium (and the Noise module) once and checks the build; safe to call repeatedly. */
export function sodiumReady(): Promise<void> {
  readyPromise ??= load().catch((error: unknown) => {
    // Let a later call retry (e.g. the WASM fetch failed while offline).
    readyPromise = null;
    throw error;
  });
  return readyPromise;
}

/** Throws SODIUM_NOT_READY unless {@link sodiumReady} has resolved. */
export function assertSodiumReady(): void {
  if (!isReady) throw new SodiumError('SODIUM_NOT_READY', 'await sodiumReady() before using Sotto crypto');
}
