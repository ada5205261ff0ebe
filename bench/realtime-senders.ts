// Load-generator process for bench/server.ts (realtime): BENCH_PROCESS_SENDERS clients, each streaming one
// CHUNK_BYTES chunk per second for SECONDS, paced in real time. Connects, prints "ready", waits for
// a line on stdin, runs, then prints one JSON line of results. Several of these run side by side so
// that no single event loop (of the load generator) shapes the latency it measures.
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { asChunkIndex } from '../src/shared/protocol';
import { newConversationId, newMessageId } from '../tests/helpers/ids';
import { envInt } from './lib';
import { CHUNK_BYTES, connectMany, sleep } from './relay-load';

const url = process.env.BENCH_URL ?? '';
const senders = envInt('BENCH_PROCESS_SENDERS', 500);
const seconds = envInt('BENCH_SECONDS', 30);
/** Payloads made up front: the generator should spend its time sending, not generating. */
const payloads = Array.from({ length: 16 }, () => randomBytes(CHUNK_BYTES));

const clients = await connectMany(url, senders);
const uploads = await Promise.all(
  clients.map(async (client) => {
    const conversationId = newConversationId();
    await client.request({ type: 'createConversation', conversationId, members: [] });
    const messageId = newMessageId();
    await client.request({ type: 'begin', messageId, conversationId, wraps: [] });
    return { client, messageId };
  }),
);
process.stdout.write('ready\n');
await new Promise<void>((resolve) => {
  const lines = createInterface({ input: process.stdin });
  lines.once('line', () => {
    // Stop reading stdin, or it would keep this process alive after it has reported.
    lines.close();
    resolve();
  });
});

const latencies: number[] = [];
let lost = 0;
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
await Promise.all(
  uploads.map(async ({ client, messageId }, n) => {
    // Spread the senders over the first second, as real people do not start together.
    await sleep((n / senders) * 1000);
    const t0 = performance.now();
    for (let i = 0; i < seconds; i++) {
      await sleep(Math.max(0, t0 + i * 1000 - performance.now()));
      const sent = performance.now();
      const ack = await client.request({
        type: 'chunk',
        messageId,
        index: asChunkIndex(i),
        final: i === seconds - 1,
        data: payloads[(n + i) % payloads.length] ?? new Uint8Array(CHUNK_BYTES),
      });
      latencies.push(performance.now() - sent);
      if (ack.nextIndex !== i + 1) lost++;
    }
    await client.request({ type: 'commit', messageId, chunkCount: seconds, metadata: new Uint8Array(64) });
  }),
);
loopDelay.disable();
await Promise.all(clients.map((c) => c.close()));
process.stdout.write(
  JSON.stringify({
    latencies,
    lost,
    loopLagP99Ms: loopDelay.percentile(99) / 1e6,
    loopLagMaxMs: loopDelay.max / 1e6,
  }) + '\n',
);
