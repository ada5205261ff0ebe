// The KeyStore as two small JSON files in the profile directory, readable by the owner only (0600):
// `identity.json` (the device key pair and name) and `servers.json` (server keys pinned per origin).
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Identity, KeyStore } from '../../client/ports';
import { keyPairFromPrivateKey } from '../../shared/crypto/noise';
import { fromHex, sameBytes, toHex } from '../../shared/protocol';
import { attempt } from './attempt';

/** File of the device identity inside the profile directory. */
export const IDENTITY_FILE = 'identity.json';
/** File of the pinned server keys inside the profile directory. */
export const SERVERS_FILE = 'servers.json';
/** Owner read/write only: the identity file holds the private key. */
const SECRET_FILE_MODE = 0o600;
/** Owner only: the profile holds keys, messages and contacts. */
export const PROFILE_DIR_MODE = 0o700;

/** A key file or profile that cannot be used as it is. */
export class KeyStoreError extends Error {
  /** Stable code: KEY_FILE_INVALID or KEY_FILE_EXPOSED. */
  readonly code: 'KEY_FILE_INVALID' | 'KEY_FILE_EXPOSED';

  constructor(code: 'KEY_FILE_INVALID' | 'KEY_FILE_EXPOSED', message: string) {
    super(message);
    this.name = 'KeyStoreError';
    this.code = code;
  }
}

interface IdentityFile {
  readonly version: 1;
  readonly name: string;
  readonly publicKey: string;
  readonly privateKey: string;
  readonly createdAtMs: number;
}

/** Creates the profile directory (0700) if missing. */
export function ensureProfileDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PROFILE_DIR_MODE });
}

/** Writes a file atomically with mode 0600 (temporary file, then rename). */
function writeSecret(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: SECRET_FILE_MODE });
  chmodSync(temporary, SECRET_FILE_MODE);
  renameSync(temporary, file);
}

/** KeyStore backed by files in a profile directory. */
export class FileKeyStore implements KeyStore {
  readonly #dir: string;

  constructor(profileDir: string) {
    this.#dir = profileDir;
  }

  /** Path of the identity file. */
  get identityFile(): string {
    return path.join(this.#dir, IDENTITY_FILE);
  }

  /** Path of the pinned server keys. */
  get serversFile(): string {
    return path.join(this.#dir, SERVERS_FILE);
  }

  loadIdentity(): Promise<Identity | null> {
    return attempt(() => this.#loadIdentity());
  }

  #loadIdentity(): Identity | null {
    const file = this.identityFile;
    if (!existsSync(file)) return null;
    if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
      throw new KeyStoreError(
        'KEY_FILE_EXPOSED',
        `${file} is readable by other users; run: chmod 600 ${JSON.stringify(file)}`,
      );
    }
    const parsed = parseIdentity(readFileSync(file, 'utf8'), file);
    const keyPair = keyPairFromPrivateKey(fromHex(parsed.privateKey));
    if (!sameBytes(keyPair.publicKey, fromHex(parsed.publicKey))) {
      throw new KeyStoreError('KEY_FILE_INVALID', `${file}: the public key does not match the private key`);
    }
    return { keyPair, name: parsed.name, createdAtMs: parsed.createdAtMs };
  }

  saveIdentity(identity: Identity): Promise<void> {
    return attempt(() => {
      this.#saveIdentity(identity);
    });
  }

  #saveIdentity(identity: Identity): void {
    ensureProfileDir(this.#dir);
    const body: IdentityFile = {
      version: 1,
      name: identity.name,
      publicKey: toHex(identity.keyPair.publicKey),
      privateKey: toHex(identity.keyPair.privateKey),
      createdAtMs: identity.createdAtMs,
    };
    writeSecret(this.identityFile, `${JSON.stringify(body, null, 2)}\n`);
  }

  pinnedServerKey(origin: string): Promise<Uint8Array | null> {
    return attempt(() => {
      const hex = this.#pins()[origin];
      return hex === undefined ? null : fromHex(hex);
    });
  }

  pinServerKey(origin: string, key: Uint8Array): Promise<void> {
    return attempt(() => {
      ensureProfileDir(this.#dir);
      const pins = { ...this.#pins(), [origin]: toHex(key) };
      writeSecret(this.serversFile, `${JSON.stringify(pins, null, 2)}\n`);
    });
  }

  /** Removes the pin of one origin (after the user checked a server's new key). */
  forgetServer(origin: string): boolean {
    const pins = this.#pins();
    if (!(origin in pins)) return false;
    const { [origin]: _removed, ...rest } = pins;
    writeSecret(this.serversFile, `${JSON.stringify(rest, null, 2)}\n`);
    return true;
  }

  #pins(): Record<string, string> {
    const file = this.serversFile;
    if (!existsSync(file)) return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      throw new KeyStoreError('KEY_FILE_INVALID', `${file} is not valid JSON`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new KeyStoreError('KEY_FILE_INVALID', `${file} must hold an object of origin → key`);
    }
    const pins: Record<string, string> = {};
    for (const [origin, value] of Object.entries(parsed)) {
      if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value)) {
        throw new KeyStoreError('KEY_FILE_INVALID', `${file}: the key for ${origin} is not 32 bytes of hex`);
      }
      pins[origin] = value;
    }
    return pins;
  }
}

function parseIdentity(text: string, file: string): IdentityFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KeyStoreError('KEY_FILE_INVALID', `${file} is not valid JSON`);
  }
  const record = parsed as Partial<Record<keyof IdentityFile, unknown>> | null;
  const hex64 = (value: unknown): value is string =>
    typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
  if (
    record === null ||
    typeof record !== 'object' ||
    record.version !== 1 ||
    typeof record.name !== 'string' ||
    !hex64(record.publicKey) ||
    !hex64(record.privateKey) ||
    typeof record.createdAtMs !== 'number'
  ) {
    throw new KeyStoreError('KEY_FILE_INVALID', `${file} is not a Sotto identity file (version 1)`);
  }
  return record as IdentityFile;
}
