// Engines for tests: in-memory stores, the real `ws` transport (optionally switchable offline).
import { Engine, createIdentity, type EngineEvents, type EngineOptions } from '../../src/client';
import { MemoryContacts, MemoryInbox, MemoryKeyStore, MemoryOutbox } from '../../src/client/memory-store';
import type { Ports, Socket, SocketListener, Transport } from '../../src/client/ports';
import { nodeClock, nodeRandom } from '../../src/node/client/node-runtime';
import { WsTransport } from '../../src/node/client/ws-transport';

/** A transport that can drop its sockets and refuse new ones, to simulate losing the network. */
export class SwitchableTransport implements Transport {
  readonly #inner = new WsTransport();
  readonly #open = new Set<Socket>();
  /** Sockets opened so far. */
  opened = 0;
  #online = true;

  open(url: string, listener: SocketListener): Promise<Socket> {
    if (!this.#online) return Promise.reject(new Error('offline'));
    this.opened++;
    const holder: { socket: Socket | null } = { socket: null };
    return this.#inner
      .open(url, {
        message: (data) => {
          listener.message(data);
        },
        closed: (code, reason) => {
          if (holder.socket !== null) this.#open.delete(holder.socket);
          listener.closed(code, reason);
        },
      })
      .then((socket) => {
        holder.socket = socket;
        this.#open.add(socket);
        return socket;
      });
  }

  /** Drops every open socket and refuses new ones until `goOnline`. */
  goOffline(): void {
    this.#online = false;
    for (const socket of this.#open) socket.close(1001, 'offline');
  }

  /** Accepts connections again. */
  goOnline(): void {
    this.#online = true;
  }
}

/** An engine on in-memory stores with its ports exposed. */
export interface TestEngine {
  readonly engine: Engine;
  readonly ports: Ports & { outbox: MemoryOutbox; inbox: MemoryInbox; keyStore: MemoryKeyStore };
  readonly transport: SwitchableTransport;
}

/** Creates an identity and an engine for `server` (not started). */
export async function testEngine(
  name: string,
  server: string,
  options: Partial<EngineOptions> = {},
  keyStore = new MemoryKeyStore(),
): Promise<TestEngine> {
  const transport = new SwitchableTransport();
  const ports = {
    keyStore,
    contacts: new MemoryContacts(),
    outbox: new MemoryOutbox(),
    inbox: new MemoryInbox(),
    transport,
    clock: nodeClock,
    random: nodeRandom,
  };
  if ((await keyStore.loadIdentity()) === null) await createIdentity(keyStore, name, nodeClock);
  const engine = await Engine.open(ports, {
    server,
    deviceName: name,
    clientVersion: 'test/0',
    backoff: { baseMs: 20, capMs: 200 },
    ...options,
  });
  return { engine, ports, transport };
}

/** Resolves with the next event of a type that satisfies `match`. */
export function nextEvent<K extends keyof EngineEvents>(
  engine: Engine,
  type: K,
  match: (payload: EngineEvents[K]) => boolean = () => true,
): Promise<EngineEvents[K]> {
  return new Promise((resolve) => {
    const stop = engine.on(type, (payload) => {
      if (match(payload)) {
        stop();
        resolve(payload);
      }
    });
  });
}
