// Server benchmark (issue 4). Prints one JSON object:
//  realtime: N senders streaming 24 kbit/s in real time in 1 s chunks: ACK latency, CPU, RSS, loss;
//  ingest:   unpaced chunks/s through the relay vs a bare ws server storing the same rows (ratio);
//  idle:     heap per idle authenticated connection at M connections.
// Sizes: BENCH_SENDERS (1000), BENCH_SECONDS (30), BENCH_IDLE (10000), BENCH_INGEST_CHUNKS (20000).
// BENCH_DATABASE_URL: the relay uses PostgreSQL (the ingest baseline stays on SQLite).
// BENCH_RELAY_NODE_ARGS: node flags for the relay in the ingest runs, e.g. to profile it:
//   BENCH_ONLY=ingest BENCH_RELAY_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' npx tsx bench/server.ts
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import WebSocket from 'ws';
import { SQLITE_FILE } from '../src/node/server/relay';
import { asChunkIndex, type MessageId } from '../src/shared/protocol';
import { newConversationId, newMessageId } from '../tests/helpers/ids';
import { openSocket } from '../tests/helpers/relay-client';
import { startServer, type TestServer } from '../tests/helpers/server';
import { cpuSeconds, envInt, median, quantile, report, round, rssMiB } from './lib';
import { CHUNK_BYTES, connectMany, sleep } from './relay-load';

const SENDERS = envInt('BENCH_SENDERS', 1000);
const SECONDS = envInt('BENCH_SECONDS', 30);
/** Load-generator processes for the realtime run (one event loop for 1,000 clients would dominate p99). */
const LOAD_PROCESSES = envInt('BENCH_LOAD_PROCESSES', 2);
const IDLE = envInt('BENCH_IDLE', 10_000);
const INGEST_CHUNKS = envInt('BENCH_INGEST_CHUNKS', 20_000);
/** Alternating relay/bare ingest runs; the median of each side counts. */
const INGEST_RUNS = envInt('BENCH_INGEST_RUNS', 5);
/** Connections and in-flight chunks per connection in the unpaced ingest runs. */
const INGEST_CONNECTIONS = 16;
const INGEST_WINDOW = 32;
const RELAY_NODE_ARGS = (process.env.BENCH_RELAY_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');

const here = path.dirname(fileURLToPath(import.meta.url));
/** Limits lifted so the bench measures the server, not its abuse protection. */
const BENCH_ENV = {
  SOTTO_MAX_CONNECTIONS_PER_IP: '100000',
  SOTTO_RATE_FRAMES_PER_S: '100000',
  SOTTO_RATE_FRAME_BURST: '100000',
  SOTTO_RATE_BYTES_PER_S: '1000000000',
  SOTTO_RATE_BYTE_BURST: '1000000000',
  SOTTO_IDLE_TIMEOUT_MS: '600000',
  LOG_LEVEL: 'warn',
};
const DATABASE_URL = process.env.BENCH_DATABASE_URL;
let schemas = 0;

/** The relay's environment: SQLite, or with BENCH_DATABASE_URL PostgreSQL in a schema of its own. */
function relayEnv(): Record<string, string> {
  if (DATABASE_URL === undefined) return BENCH_ENV;
  return { ...BENCH_ENV, DATABASE_URL, DATABASE_SCHEMA: `sotto_bench_${Date.now()}_${++schemas}` };
}

/** Output of one bench/realtime-senders.ts process. */
interface SenderReport {
  latencies: number[];
  lost: number;
  loopLagP99Ms: number;
  loopLagMaxMs: number;
}

/** Starts a load-generator process with `count` senders; resolves once its clients are connected. */
async function startSenders(url: string, count: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'realtime-senders.ts')], {
    env: {
      ...process.env,
      BENCH_URL: url,
      BENCH_PROCESS_SENDERS: String(count),
      BENCH_SECONDS: String(SECONDS),
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.value !== 'ready') throw new Error(`load generator said ${String(first.value)}`);
  return {
    go: () => child.stdin.write('go\n'),
    async result(): Promise<SenderReport> {
      const line = await iterator.next();
      lines.close();
      child.stdin.end();
      return JSON.parse(String(line.value)) as SenderReport;
    },
  };
}

/** (a) Real-time senders, spread over LOAD_PROCESSES load-generator processes. */
async function realtime() {
  const env = relayEnv();
  const server = await startServer({ env });
  try {
    const generators = [];
    for (let p = 0; p < LOAD_PROCESSES; p++) {
      const share = Math.floor(SENDERS / LOAD_PROCESSES) + (p < SENDERS % LOAD_PROCESSES ? 1 : 0);
      generators.push(await startSenders(server.url, share));
    }
    const cpuBefore = cpuSeconds(server.process.pid ?? 0);
    let rssMax = 0;
    const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssMiB(server.process.pid ?? 0))), 500);
    // Only the streaming phase counts: reset the server's latency and loop-lag figures first.
    await fetch(new URL('/metrics', server.url));
    const started = performance.now();
    for (const g of generators) g.go();
    const reports = await Promise.all(generators.map((g) => g.result()));
    const wall = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const cpu = cpuSeconds(server.process.pid ?? 0) - cpuBefore;
    const metricsText = await (await fetch(new URL('/metrics', server.url))).text();
    const latencies = reports.flatMap((r) => r.latencies);
    const stored = await readBack(server, env);
    return {
      senders: SENDERS,
      loadProcesses: LOAD_PROCESSES,
      seconds: SECONDS,
      chunks: latencies.length,
      ackMs: {
        p50: round(median(latencies)),
        p99: round(quantile(latencies, 0.99)),
        max: round(Math.max(...latencies)),
      },
      // The server's own view (decode → store commit → ACK written), as histogram bucket bounds.
      serverAckMs: histogramQuantiles(metricsText, 'sotto_ack_latency_seconds'),
      // Where a slow ACK's time went: either process's event loop being busy, or the server's GC.
      serverLoopLagMs: {
        p99: round(gauge(metricsText, 'nodejs_eventloop_lag_p99_seconds') * 1000),
        max: round(gauge(metricsText, 'nodejs_eventloop_lag_max_seconds') * 1000),
      },
      serverGcMaxMs: round(gcMaxMs(metricsText), 1),
      loadGeneratorLoopLagMs: {
        p99: round(Math.max(...reports.map((r) => r.loopLagP99Ms))),
        max: round(Math.max(...reports.map((r) => r.loopLagMaxMs))),
      },
      // Loss as the database tells it after a clean stop, not only as the ACKs did.
      lostChunks: SENDERS * SECONDS - stored.chunks,
      ackedOutOfOrder: reports.reduce((sum, r) => sum + r.lost, 0),
      committedMessages: stored.committedMessages,
      serverCpuCores: round(cpu / wall),
      serverRssMaxMiB: round(rssMax, 1),
    };
  } finally {
    await server.dispose();
  }
}

/** Stops the server and counts what its database holds (then drops a PostgreSQL bench schema). */
async function readBack(
  server: TestServer,
  env: Record<string, string>,
): Promise<{ chunks: number; committedMessages: number }> {
  await server.stop();
  const chunks = 'SELECT count(*) AS n FROM chunks';
  const committed = "SELECT count(*) AS n FROM messages WHERE status = 'committed'";
  if (env.DATABASE_URL !== undefined) {
    return inBenchSchema(env, async (client) => {
      const count = async (sql: string) => Number((await client.query<{ n: string }>(sql)).rows[0]?.n);
      return { chunks: await count(chunks), committedMessages: await count(committed) };
    });
  }
  const db = new Database(path.join(server.dataDir, SQLITE_FILE), { readonly: true });
  try {
    const count = (sql: string) => Number(db.prepare(sql).pluck().get());
    return { chunks: count(chunks), committedMessages: count(committed) };
  } finally {
    db.close();
  }
}

/** Runs `work` in the relay's PostgreSQL bench schema, then drops the schema. */
async function inBenchSchema<T>(
  env: Record<string, string>,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const schema = env.DATABASE_SCHEMA ?? '';
  const client = new pg.Client({ connectionString: env.DATABASE_URL });
  await client.connect();
  try {
    await client.query(`SET search_path = ${schema}`);
    return await work(client);
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
}

/** p50/p99 of a Prometheus histogram, as the upper bound (ms) of the bucket holding each rank. */
function histogramQuantiles(text: string, name: string): { p50: number; p99: number } {
  const buckets = [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)$`, 'gm'))].map(
    (m) => ({
      le: m[1] === '+Inf' ? Infinity : Number(m[1]) * 1000,
      count: Number(m[2]),
    }),
  );
  const total = buckets.at(-1)?.count ?? 0;
  const at = (q: number) => buckets.find((b) => b.count >= q * total)?.le ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99) };
}

/** The value of an unlabelled gauge in Prometheus text. */
function gauge(text: string, name: string): number {
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

/** Upper bound (ms) of the highest non-empty bucket of nodejs_gc_duration_seconds, over all kinds. */
function gcMaxMs(text: string): number {
  let max = 0;
  const seen = new Map<string, number>();
  for (const m of text.matchAll(/^nodejs_gc_duration_seconds_bucket\{le="([^"]+)",kind="(\w+)"\} (\d+)$/gm)) {
    const [, le = '', kind = '', count = '0'] = m;
    const previous = seen.get(kind) ?? 0;
    if (Number(count) > previous && le !== '+Inf') max = Math.max(max, Number(le) * 1000);
    seen.set(kind, Number(count));
  }
  return max;
}

/** One timed ingest run: throughput, and how much of a core the server used meanwhile. */
interface IngestRun {
  chunksPerS: number;
  serverCpuCores: number;
}

function startClock(server: TestServer) {
  const pid = server.process.pid ?? 0;
  const started = performance.now();
  const cpuBefore = cpuSeconds(pid);
  return {
    stop(chunks: number): IngestRun {
      const seconds = (performance.now() - started) / 1000;
      return { chunksPerS: chunks / seconds, serverCpuCores: (cpuSeconds(pid) - cpuBefore) / seconds };
    },
  };
}

/**
 * Sends `total` chunks over several connections, `INGEST_WINDOW` in flight each.
 * Frames are encrypted before the clock starts, so the generator costs about what the bare one does.
 */
async function ingestRelay(server: TestServer, total: number): Promise<IngestRun> {
  const clients = await connectMany(server.url, INGEST_CONNECTIONS);
  const perClient = Math.ceil(total / INGEST_CONNECTIONS);
  const data = randomBytes(CHUNK_BYTES);
  const prepared = await Promise.all(
    clients.map(async (client) => {
      const conversationId = newConversationId();
      await client.request({ type: 'createConversation', conversationId, members: [] });
      // 1,000-chunk messages: a new upload whenever one fills up.
      const frames: Parameters<typeof client.prepare>[0][number][] = [];
      let messageId: MessageId = newMessageId();
      for (let i = 0; i < perClient; i++) {
        if (i % 1000 === 0) {
          messageId = newMessageId();
          frames.push({ type: 'begin', messageId, conversationId, wraps: [] });
        }
        frames.push({ type: 'chunk', messageId, index: asChunkIndex(i % 1000), final: false, data });
      }
      return client.prepare(frames);
    }),
  );
  const clock = startClock(server);
  await Promise.all(
    prepared.map(async (requests) => {
      let next = 0;
      const lane = async () => {
        // Requests leave in index order, as `next` is taken and sent in one synchronous step.
        while (next < requests.length) await requests[next++]?.();
      };
      await Promise.all(Array.from({ length: INGEST_WINDOW }, lane));
    }),
  );
  const run = clock.stop(perClient * INGEST_CONNECTIONS);
  await Promise.all(clients.map((c) => c.close()));
  return run;
}

/** The same load against the bare ws baseline. */
async function ingestBare(server: TestServer, total: number): Promise<IngestRun> {
  const sockets = await Promise.all(Array.from({ length: INGEST_CONNECTIONS }, () => openSocket(server.url)));
  const perSocket = Math.ceil(total / INGEST_CONNECTIONS);
  const data = randomBytes(CHUNK_BYTES);
  const clock = startClock(server);
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          let messageId = randomBytes(16);
          let sent = 0;
          let acked = 0;
          const sendOne = () => {
            const i = sent++;
            if (i > 0 && i % 1000 === 0) messageId = randomBytes(16);
            const header = Buffer.alloc(21);
            messageId.copy(header, 0);
            header.writeUInt32LE(i % 1000, 16);
            ws.send(Buffer.concat([header, data]));
          };
          ws.on('message', () => {
            acked++;
            if (acked === perSocket) resolve();
            else if (sent < perSocket) sendOne();
          });
          for (let i = 0; i < INGEST_WINDOW; i++) sendOne();
        }),
    ),
  );
  const run = clock.stop(perSocket * INGEST_CONNECTIONS);
  for (const ws of sockets) ws.close();
  return run;
}

/** (b) Unpaced ingest, relay vs bare, alternating runs so drift hits both. */
async function ingest() {
  const env = relayEnv();
  const relay = await startServer({ env, nodeArgs: RELAY_NODE_ARGS });
  const bare = await startServer({ script: path.join(here, 'bare-ws-server.ts') });
  try {
    const relayRuns: IngestRun[] = [];
    const bareRuns: IngestRun[] = [];
    for (let run = 0; run < INGEST_RUNS; run++) {
      bareRuns.push(await ingestBare(bare, INGEST_CHUNKS));
      relayRuns.push(await ingestRelay(relay, INGEST_CHUNKS));
    }
    const relayRate = median(relayRuns.map((r) => r.chunksPerS));
    const bareRate = median(bareRuns.map((r) => r.chunksPerS));
    return {
      chunksPerRun: INGEST_CHUNKS,
      runs: INGEST_RUNS,
      chunkBytes: CHUNK_BYTES,
      relayChunksPerS: round(relayRate, 0),
      bareChunksPerS: round(bareRate, 0),
      ratio: round(relayRate / bareRate),
      // Near 1 means the server, not the load generator, was the limit.
      relayServerCpuCores: round(median(relayRuns.map((r) => r.serverCpuCores))),
      bareServerCpuCores: round(median(bareRuns.map((r) => r.serverCpuCores))),
    };
  } finally {
    await Promise.all([relay.dispose(), bare.dispose()]);
    if (env.DATABASE_URL !== undefined) await inBenchSchema(env, () => Promise.resolve());
  }
}

/** Minimal Chrome DevTools Protocol client for the server's inspector. */
async function inspector(server: TestServer) {
  const match = /Debugger listening on (ws:\/\/\S+)/.exec(server.output());
  if (match?.[1] === undefined) throw new Error('the server did not print its inspector URL');
  const ws = new WebSocket(match[1]);
  await new Promise((resolve) => ws.once('open', resolve));
  let id = 0;
  const call = (method: string) =>
    new Promise<Record<string, number>>((resolve) => {
      const mine = ++id;
      const onMessage = (data: Buffer) => {
        const message = JSON.parse(data.toString()) as { id?: number; result?: Record<string, number> };
        if (message.id !== mine) return;
        ws.off('message', onMessage);
        resolve(message.result ?? {});
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id: mine, method }));
    });
  return {
    async heapUsed(): Promise<number> {
      await call('HeapProfiler.collectGarbage');
      await call('HeapProfiler.collectGarbage');
      return (await call('Runtime.getHeapUsage')).usedSize ?? Number.NaN;
    },
    close: () => {
      ws.close();
    },
  };
}

/** (c) Heap per idle authenticated connection. */
async function idle() {
  const server = await startServer({ env: BENCH_ENV, nodeArgs: ['--inspect=127.0.0.1:0'] });
  try {
    const cdp = await inspector(server);
    // Warm up code paths so their one-time allocations are not counted per connection.
    await Promise.all((await connectMany(server.url, 50)).map((c) => c.close()));
    const before = await cdp.heapUsed();
    const rssBefore = rssMiB(server.process.pid ?? 0);
    const clients = await connectMany(server.url, IDLE);
    await sleep(1000);
    const after = await cdp.heapUsed();
    const rssAfter = rssMiB(server.process.pid ?? 0);
    cdp.close();
    await Promise.all(clients.map((c) => c.close()));
    return {
      connections: IDLE,
      heapPerConnectionKiB: round((after - before) / IDLE / 1024, 2),
      rssPerConnectionKiB: round(((rssAfter - rssBefore) * 1024) / IDLE, 2),
    };
  } finally {
    await server.dispose();
  }
}

/** BENCH_ONLY=realtime,ingest,idle runs a subset. */
const only = new Set((process.env.BENCH_ONLY ?? 'realtime,ingest,idle').split(','));
const rt = only.has('realtime') ? await realtime() : undefined;
const ing = only.has('ingest') ? await ingest() : undefined;
const idl = only.has('idle') ? await idle() : undefined;
report({
  bench: 'server',
  relayStore: DATABASE_URL === undefined ? 'sqlite' : 'postgres',
  node: process.version,
  cpus: (await import('node:os')).cpus().length,
  realtime: rt,
  ingest: ing,
  idle: idl,
  budgets: {
    realtimeP99AckMs: rt && {
      budget: 20,
      met: rt.ackMs.p99 <= 20 && rt.lostChunks === 0 && rt.committedMessages === rt.senders,
    },
    ingestRatio: ing && { budget: 0.6, met: ing.ratio >= 0.6 },
    idleHeapKiB: idl && { budget: 16, met: idl.heapPerConnectionKiB <= 16 },
  },
});
