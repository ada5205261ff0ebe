// What bench/server.ts and its load-generator processes share: the chunk size and connecting clients.
import { RelayClient } from '../tests/helpers/relay-client';

/** One second of 24 kbit/s Opus plus Ogg framing and the AEAD tag. */
export const CHUNK_BYTES = 3_000 + 16;
/** Handshakes started at once while connecting many clients. */
const CONNECT_BATCH = 200;

/** Connects `count` authenticated clients, `CONNECT_BATCH` handshakes at a time. */
export async function connectMany(url: string, count: number): Promise<RelayClient[]> {
  const clients: RelayClient[] = [];
  for (let i = 0; i < count; i += CONNECT_BATCH) {
    const batch = Math.min(CONNECT_BATCH, count - i);
    clients.push(...(await Promise.all(Array.from({ length: batch }, () => RelayClient.connect(url)))));
  }
  return clients;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
