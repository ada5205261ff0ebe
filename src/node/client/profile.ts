// A CLI profile directory (SOTTO_HOME, default ~/.sotto) and the engine ports over it.
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { Ports } from '../../client/ports';
import { FileKeyStore, ensureProfileDir } from './file-key-store';
import { nodeClock, nodeRandom } from './node-runtime';
import { SqliteContacts } from './sqlite-contacts';
import { DATABASE_FILE, openProfileDatabase } from './sqlite-db';
import { SqliteInbox } from './sqlite-inbox';
import { SqliteOutbox } from './sqlite-outbox';
import { WsTransport } from './ws-transport';

/** The profile directory: `$SOTTO_HOME`, else `~/.sotto`. */
export function profileDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.SOTTO_HOME;
  return path.resolve(home !== undefined && home !== '' ? home : path.join(os.homedir(), '.sotto'));
}

/** An open profile: its ports and how to close it. */
export interface Profile {
  /** The directory. */
  readonly dir: string;
  /** The key store (also for `forgetServer`). */
  readonly keyStore: FileKeyStore;
  /** Everything the engine needs. */
  readonly ports: Ports;
  /** Closes the database. Idempotent. */
  close(): void;
}

/** Opens (creating if needed) the profile at `dir`. */
export function openProfile(dir: string): Profile {
  ensureProfileDir(dir);
  const db: Database.Database = openProfileDatabase(path.join(dir, DATABASE_FILE));
  const keyStore = new FileKeyStore(dir);
  return {
    dir,
    keyStore,
    ports: {
      keyStore,
      contacts: new SqliteContacts(db),
      outbox: new SqliteOutbox(db),
      inbox: new SqliteInbox(db),
      transport: new WsTransport(),
      clock: nodeClock,
      random: nodeRandom,
    },
    close() {
      if (db.open) db.close();
    },
  };
}
