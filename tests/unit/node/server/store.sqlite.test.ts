import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../../../src/node/server/store/migrations';
import { openSqliteStore } from '../../../../src/node/server/store/sqlite';
import type { Store } from '../../../../src/node/server/store/store';
import {
  asChunkIndex,
  asDeviceKey,
  asMessageId,
  CURSOR_START,
  fromHex,
} from '../../../../src/shared/protocol';
import { storeContract, type StoreHarness } from './store.contract';
import { allEvents, at, chunkOf, newConversation } from './store.fixtures';

const dirs: string[] = [];

function tempFile(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sotto-store-'));
  dirs.push(dir);
  return path.join(dir, 'sotto.db');
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function harness(synchronous: 'normal' | 'full'): Promise<StoreHarness> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sotto-store-'));
  const file = path.join(dir, 'sotto.db');
  let current = openSqliteStore({ file, synchronous });
  return Promise.resolve({
    store: current,
    async reopen() {
      await current.close();
      current = openSqliteStore({ file, synchronous });
      return current;
    },
    async cleanup() {
      await current.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

storeContract('SQLite (synchronous=NORMAL)', () => harness('normal'));

describe('SQLite store', () => {
  it('opens in WAL mode with the current schema version, and reopens without migrating again', async () => {
    const file = tempFile();
    const store = openSqliteStore({ file, synchronous: 'full' });
    await newConversation(store);
    await store.close();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    } finally {
      db.close();
    }
    const again = openSqliteStore({ file });
    await newConversation(again);
    await again.close();
  });

  it('refuses a database written by a newer schema, naming both versions', () => {
    const file = tempFile();
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openSqliteStore({ file })).toThrow(
      new RegExp(`schema version ${SCHEMA_VERSION + 1} .*only up to ${SCHEMA_VERSION}`),
    );
  });

  it('rejects calls after close instead of touching a closed handle', async () => {
    const store: Store = openSqliteStore({ file: tempFile() });
    const { creator } = await newConversation(store);
    await store.close();
    await expect(store.eventsAfter(creator, CURSOR_START, 10)).rejects.toThrow(TypeError);
    await expect(store.touchDevice(creator, 'late', at(1))).rejects.toThrow(TypeError);
  });

  it('keeps acknowledged writes when the process is killed with SIGKILL', async () => {
    const file = tempFile();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./store.sqlite.child.ts', import.meta.url)), file, '40'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const lines: string[] = [];
    const exited = new Promise<NodeJS.Signals | null>((resolve) => {
      child.on('exit', (_code, signal) => {
        resolve(signal);
      });
    });
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (text: string) => {
        buffered += text;
        const parts = buffered.split('\n');
        buffered = parts.pop() ?? '';
        lines.push(...parts);
        if (lines.some((line) => line.startsWith('committed '))) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => {
        reject(new Error(`child exited early; output: ${lines.join(' | ')}`));
      });
    });
    expect(await exited).toBe('SIGKILL');

    const [, messageHex = '', senderHex = '', readerHex = ''] = lines[0]?.split(' ') ?? [];
    const messageId = asMessageId(fromHex(messageHex));
    const sender = asDeviceKey(fromHex(senderHex));
    const reader = asDeviceKey(fromHex(readerHex));
    expect(lines.filter((line) => line.startsWith('ack ')).at(-1)).toBe('ack 40');
    const store = openSqliteStore({ file });
    try {
      expect(await store.uploadState(messageId, sender)).toEqual({ state: 'committed', nextIndex: 40 });
      const events = await allEvents(store, reader);
      expect(events.map((e) => e.type)).toEqual(['conversation', 'message']);
      const { chunks } = await store.readChunks(messageId, reader, asChunkIndex(0), 100);
      expect(chunks).toEqual(Array.from({ length: 40 }, (_, i) => chunkOf(messageId, i, 40)));
    } finally {
      await store.close();
    }
  });
});
