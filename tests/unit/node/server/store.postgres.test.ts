import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../../../src/node/server/store/postgres';
import { POSTGRES_SCHEMA_VERSION } from '../../../../src/node/server/store/postgres-schema';
import { CURSOR_START } from '../../../../src/shared/protocol';
import { storeContract, type StoreHarness } from './store.contract';
import { allEvents, at, begin, chunkOf, newConversation, newDevice } from './store.fixtures';

/** A real PostgreSQL (CI and this machine run one; `.ci/run` starts it if it is down). */
const DATABASE_URL = process.env.SOTTO_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let admin: pg.Pool;
const schemas: string[] = [];

beforeAll(async () => {
  admin = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  try {
    await admin.query('SELECT 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${DATABASE_URL} (${String(error)}). Start it ` +
        '(`pg_ctlcluster 15 main start`) or point SOTTO_TEST_DATABASE_URL at one.',
      { cause: error },
    );
  }
});

afterAll(async () => {
  for (const schema of schemas.splice(0)) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

/** A schema of its own per store under test, so test files and tests never share tables. */
function newSchema(): string {
  const schema = `sotto_test_${randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  return schema;
}

async function harness(): Promise<StoreHarness> {
  const schema = newSchema();
  let current = await openPostgresStore({ url: DATABASE_URL, schema });
  return {
    store: current,
    async reopen() {
      await current.close();
      current = await openPostgresStore({ url: DATABASE_URL, schema });
      return current;
    },
    async cleanup() {
      await current.close();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}

storeContract('PostgreSQL', harness);

describe('PostgreSQL store', () => {
  it('records its schema version and refuses a newer one, naming both versions', async () => {
    const schema = newSchema();
    const store = await openPostgresStore({ url: DATABASE_URL, schema });
    await store.close();
    const { rows } = await admin.query<{ version: number }>(`SELECT version FROM ${schema}.sotto_schema`);
    expect(rows).toEqual([{ version: POSTGRES_SCHEMA_VERSION }]);
    await admin.query(`UPDATE ${schema}.sotto_schema SET version = version + 1`);
    await expect(openPostgresStore({ url: DATABASE_URL, schema })).rejects.toThrow(
      new RegExp(`schema version ${POSTGRES_SCHEMA_VERSION + 1} .*only up to ${POSTGRES_SCHEMA_VERSION}`),
    );
  });

  it('rejects calls after close', async () => {
    const store = await openPostgresStore({ url: DATABASE_URL, schema: newSchema() });
    const { creator } = await newConversation(store);
    await store.close();
    await expect(store.eventsAfter(creator, CURSOR_START, 10)).rejects.toThrow(/closed/);
    await expect(store.touchDevice(creator, 'late', at(1))).rejects.toThrow(/closed/);
  });

  it('refuses an unreachable database with an error naming it', async () => {
    await expect(
      openPostgresStore({ url: 'postgres://127.0.0.1:1/test', schema: newSchema() }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });

  it('lets two stores (two server processes) share one database without losing a cursor', async () => {
    // Both append events to the same devices' logs at once; cursors must stay dense and distinct.
    const schema = newSchema();
    const a = await openPostgresStore({ url: DATABASE_URL, schema });
    const b = await openPostgresStore({ url: DATABASE_URL, schema });
    try {
      const { id, creator, devices } = await newConversation(a);
      const reader = devices.find((device) => device !== creator) ?? newDevice();
      const send = async (store: typeof a, n: number) => {
        const messageId = await begin(store, id, creator, devices, { maxInFlight: 100 });
        await store.putChunk({ ...chunkOf(messageId, 0, 1), sender: creator });
        await store.commit(
          { messageId, sender: creator, chunkCount: 1, metadata: new Uint8Array([n]) },
          at(n),
        );
      };
      await Promise.all(Array.from({ length: 20 }, (_, n) => send(n % 2 === 0 ? a : b, n)));
      const events = await allEvents(b, reader);
      expect(events.map((event) => event.cursor)).toEqual(events.map((_, i) => i + 1));
      expect(events.filter((event) => event.type === 'message')).toHaveLength(20);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
