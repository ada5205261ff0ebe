import { randomBytes } from 'node:crypto';
import net, { type AddressInfo, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HINTS_LOST } from '../../../../src/node/server/fanout';
import { RedisFanout, parseCursor, type RedisFanoutOptions } from '../../../../src/node/server/fanout-redis';
import { asCursor, toHex, type DeviceKey } from '../../../../src/shared/protocol';
import { fanoutContract } from './fanout.contract';
import { DELIVERY_TIMEOUT_MS, recorder } from './fanout.fixtures';
import { newDevice } from './store.fixtures';

const REDIS_URL = process.env.SOTTO_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Poll interval while waiting for Redis-side state (a reconnection) to change. */
const POLL_MS = 20;

/** A channel prefix no other test (or test file running in parallel) uses. */
function uniquePrefix(): string {
  return `sotto-test:${toHex(randomBytes(6))}:`;
}

/** Runs `attempt`, turning an unreachable Redis into a failure that says how to get one. */
async function needingRedis<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    throw new Error(
      `These tests need a Redis server at ${REDIS_URL}: start one with \`redis-server\` ` +
        '(or `docker run --rm -p 6379:6379 redis:7`), or point SOTTO_TEST_REDIS_URL at one. ' +
        `(${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
}

function connect(options: RedisFanoutOptions = {}): Promise<RedisFanout> {
  return needingRedis(() => RedisFanout.connect(REDIS_URL, options));
}

/** A plain client for poking at Redis from outside the fanout. */
function rawClient(): Promise<Redis> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  return needingRedis(async () => {
    try {
      await client.connect();
      return client;
    } catch (error) {
      client.disconnect();
      throw error;
    }
  });
}

/** Resolves once `check` holds; fails after DELIVERY_TIMEOUT_MS naming `what`. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

fanoutContract('Redis', async () => {
  const fanout = await connect({ channelPrefix: uniquePrefix() });
  return {
    fanout,
    cleanup: () => fanout.close(),
  };
});

describe('Redis fanout', () => {
  const fanouts: RedisFanout[] = [];
  let raw: Redis;
  let rawOpen = false;

  beforeAll(async () => {
    raw = await rawClient();
    rawOpen = true;
  });
  afterAll(async () => {
    if (rawOpen) await raw.quit();
  });
  afterEach(async () => {
    for (const fanout of fanouts.splice(0)) await fanout.close();
  });

  async function open(options: RedisFanoutOptions): Promise<RedisFanout> {
    const fanout = await connect(options);
    fanouts.push(fanout);
    return fanout;
  }

  /** Two fanouts on one channel prefix (two server processes), each with a listener of one device. */
  async function twoProcessesListening() {
    const channelPrefix = uniquePrefix();
    const a = await open({ channelPrefix });
    const b = await open({ channelPrefix });
    const device = newDevice();
    const onA = recorder('listener on A');
    const onB = recorder('listener on B');
    a.subscribe(device, onA.listener);
    b.subscribe(device, onB.listener);
    await Promise.all([a.subscribed(), b.subscribed()]);
    return { a, b, device, onA, onB };
  }

  function wake(device: DeviceKey, cursor: number) {
    return { device, cursor: asCursor(cursor) };
  }

  it('carries a publish from one server process to the listeners of another', async () => {
    const { a, b, device, onA, onB } = await twoProcessesListening();

    await a.publish([wake(device, 11)]);
    await b.publish([wake(device, 12)]);
    for (const r of [onA, onB]) {
      await r.received(12);
      expect(r.calls).toEqual([11, 12]);
    }
  });

  it('keeps processes with different channel prefixes apart', async () => {
    const a = await open({ channelPrefix: uniquePrefix() });
    const b = await open({ channelPrefix: uniquePrefix() });
    const device = newDevice();
    const onB = recorder('listener on B');
    b.subscribe(device, onB.listener);
    await b.subscribed();

    await a.publish([wake(device, 1)]);
    await b.publish([wake(device, 2)]);
    await onB.received(2);
    expect(onB.calls).toEqual([2]);
  });

  it('stops delivering to a closed process while the others carry on', async () => {
    const { a, b, device, onA, onB } = await twoProcessesListening();

    await a.close();
    await b.publish([wake(device, 5)]);
    await onB.received(5);
    expect(onA.calls).toEqual([]);
  });

  it('ignores malformed payloads and still delivers the valid ones after them', async () => {
    const channelPrefix = uniquePrefix();
    const errors: string[] = [];
    const fanout = await open({ channelPrefix, onError: (message) => errors.push(message) });
    const device = newDevice();
    const r = recorder('listener');
    fanout.subscribe(device, r.listener);
    await fanout.subscribed();

    const channel = channelPrefix + toHex(device);
    for (const payload of [
      '',
      'seven',
      '-1',
      '1.5',
      '1e3',
      ' 4',
      '0x10',
      '12345678901234567',
      '9007199254740993',
    ]) {
      await raw.publish(channel, payload);
    }
    await raw.publish(channel, '8');
    await fanout.publish([wake(device, 9)]);
    await r.received(9);
    expect(r.calls).toEqual([8, 9]);
    expect(errors).toEqual([]);
  });

  it('keeps the other listeners and the connection when a listener throws', async () => {
    const errors: string[] = [];
    const fanout = await open({ channelPrefix: uniquePrefix(), onError: (message) => errors.push(message) });
    const device = newDevice();
    fanout.subscribe(device, () => {
      throw new Error('listener bug');
    });
    const r = recorder('well-behaved listener');
    fanout.subscribe(device, r.listener);
    await fanout.subscribed();

    await fanout.publish([wake(device, 1)]);
    await fanout.publish([wake(device, 2)]);
    await r.received(2);
    expect(r.calls).toEqual([1, 2]);
    expect(errors).toEqual(['fanout listener threw: listener bug', 'fanout listener threw: listener bug']);
  });

  it('re-subscribes and publishes again after Redis drops its connections', async () => {
    const channelPrefix = uniquePrefix();
    const connectionName = `sotto-test-${toHex(randomBytes(4))}`;
    const fanout = await open({ channelPrefix, connectionName, onError: () => undefined });
    const device = newDevice();
    const r = recorder('listener');
    fanout.subscribe(device, r.listener);
    await fanout.subscribed();
    const channel = channelPrefix + toHex(device);
    const subscribers = async () => {
      const reply = (await raw.pubsub('NUMSUB', channel)) as [string, number];
      return reply[1];
    };
    expect(await subscribers()).toBe(1);

    const clients = (await raw.client('LIST')) as string;
    const ids = clients
      .split('\n')
      .filter((line) => line.includes(` name=${connectionName}:`))
      .map((line) => /\bid=(\d+)/.exec(line)?.[1]);
    expect(ids).toHaveLength(2);
    for (const id of ids) await raw.client('KILL', 'ID', id ?? '');
    // A publish while the publisher is reconnecting is a lost hint: it resolves, it does not throw.
    await fanout.publish([wake(device, 1)]);

    await until('the subscriber to re-subscribe', async () => (await subscribers()) === 1);
    // The hint published during the outage is lost, so the listener is told to read its log again.
    await r.received(HINTS_LOST);
    // Wake-ups arrive after the publish resolves, so a repeated publish is seen a poll later.
    let cursor = 1;
    await until('a publish to get through again', async () => {
      cursor += 1;
      await fanout.publish([wake(device, cursor)]);
      return r.calls.some((seen) => seen > 1);
    });
  });

  it('fails to reach an absent Redis within seconds, naming the URL without its password', async () => {
    const errors: string[] = [];
    const started = Date.now();
    const connecting = RedisFanout.connect('redis://:hunter2@127.0.0.1:1', {
      onError: (message) => errors.push(message),
    });
    await expect(connecting).rejects.toThrow(
      /^cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1: .*ECONNREFUSED/,
    );
    await expect(connecting).rejects.not.toThrow(/hunter2/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(errors.join('\n')).toMatch(/ECONNREFUSED/);
  });

  it('gives up on a server that never answers after the connect timeout', async () => {
    // A TCP listener that accepts and stays silent stands for a Redis that hangs.
    const sockets = new Set<Socket>();
    const server = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const started = Date.now();
      await expect(
        RedisFanout.connect(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 300 }),
      ).rejects.toThrow(`Redis at redis://127.0.0.1:${port}`);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('parses only decimal safe integers as cursors', () => {
    expect(parseCursor('0')).toBe(0);
    expect(parseCursor('42')).toBe(42);
    expect(parseCursor(String(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    for (const payload of ['', '-1', '1.0', '1e3', '+1', '9007199254740992', 'NaN']) {
      expect(parseCursor(payload), payload).toBeNull();
    }
  });
});
