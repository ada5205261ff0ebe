import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Buckets for sub-millisecond to one-second latencies, in seconds. */
const LATENCY_BUCKETS_S = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1];

/** The server's Prometheus metrics, in a registry of its own (several servers may share a process in tests). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    connections: new Gauge({ name: 'sotto_connections', help: 'Open WebSocket connections', registers }),
    handshakes: new Counter({
      name: 'sotto_handshakes_total',
      help: 'Noise handshakes by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    framesIn: new Counter({
      name: 'sotto_frames_in_total',
      help: 'Decoded inbound frames by type',
      labelNames: ['type'] as const,
      registers,
    }),
    bytesIn: new Counter({
      name: 'sotto_bytes_in_total',
      help: 'Inbound transport bytes by frame type',
      labelNames: ['type'] as const,
      registers,
    }),
    framesOut: new Counter({
      name: 'sotto_frames_out_total',
      help: 'Outbound frames by type',
      labelNames: ['type'] as const,
      registers,
    }),
    bytesOut: new Counter({
      name: 'sotto_bytes_out_total',
      help: 'Outbound transport bytes by frame type',
      labelNames: ['type'] as const,
      registers,
    }),
    chunksStored: new Counter({
      name: 'sotto_chunks_stored_total',
      help: 'Chunk frames acknowledged, by whether they were new or repeats of stored chunks',
      labelNames: ['outcome'] as const,
      registers,
    }),
    ackLatency: new Histogram({
      name: 'sotto_ack_latency_seconds',
      help: 'From a chunk frame decoded to its ack sent (store commit included)',
      buckets: LATENCY_BUCKETS_S,
      registers,
    }),
    commitLatency: new Histogram({
      name: 'sotto_commit_latency_seconds',
      help: 'From a commit frame decoded to its reply sent',
      buckets: LATENCY_BUCKETS_S,
      registers,
    }),
    fanoutLatency: new Histogram({
      name: 'sotto_fanout_latency_seconds',
      help: 'From events appended to the push frame sent to a connected device',
      buckets: LATENCY_BUCKETS_S,
      registers,
    }),
    storeLatency: new Histogram({
      name: 'sotto_store_latency_seconds',
      help: 'Store operation latency by operation',
      labelNames: ['op'] as const,
      buckets: LATENCY_BUCKETS_S,
      registers,
    }),
    resumes: new Counter({ name: 'sotto_resumes_total', help: 'Resume queries answered', registers }),
    protocolErrors: new Counter({
      name: 'sotto_protocol_errors_total',
      help: 'Protocol errors sent to clients, by code',
      labelNames: ['code'] as const,
      registers,
    }),
  };
}

/** The metrics object `createMetrics` returns. */
export type Metrics = ReturnType<typeof createMetrics>;
