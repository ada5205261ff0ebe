import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { keyPairFromPrivateKey, generateKeyPair, type KeyPair } from '../../shared/crypto/noise';

/** File under the data directory holding the server's static X25519 private key (hex). */
export const SERVER_KEY_FILE = 'server-key';

/**
 * Loads the server's Noise static key from the data directory, creating it (mode 0600) on first
 * start. Clients pin its public half on first contact, so it must survive restarts.
 */
export function loadOrCreateServerKey(dataDir: string): KeyPair {
  const file = path.join(dataDir, SERVER_KEY_FILE);
  if (existsSync(file)) {
    const hex = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${file} is not a 32-byte hex private key`);
    return keyPairFromPrivateKey(Buffer.from(hex, 'hex'));
  }
  const pair = generateKeyPair();
  writeFileSync(file, Buffer.from(pair.privateKey).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return pair;
}
