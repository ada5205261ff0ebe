/** Noise prologue bound into every Sotto handshake: protocol name and version (docs/PROTOCOL.md). */
export const NOISE_PROLOGUE: Uint8Array = new TextEncoder().encode('sotto/1');

/** Noise protocol name of the session handshake. */
export const NOISE_PROTOCOL_NAME = 'Noise_XX_25519_ChaChaPoly_BLAKE2b';
