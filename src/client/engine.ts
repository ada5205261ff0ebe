// The client engine (DESIGN.md §1, §3, §8): one object per device and server that keeps a session
// open, uploads the outbox, receives messages and receipts, and tells a UI through typed events.
import { newMessageKey, wrapKey } from '../shared/crypto/message-crypto';
import { encodeInvite, inviteLink } from '../shared/crypto/identity';
import { sodiumReady } from '../shared/crypto/sodium';
import { drop } from '../shared/drop';
import {
  MESSAGE_ID_BYTES,
  asDeviceKey,
  asMessageId,
  sameBytes,
  toHex,
  type ConversationId,
  type DeviceKey,
  type MessageId,
} from '../shared/protocol';
import { DEFAULT_BACKOFF, isPending, type BackoffPolicy, type OutboxState } from '../shared/sync';
import { Connection, serverOrigin, type ConnectionStatus, type Session } from './connection';
import { withMe } from './contacts';
import { Directory } from './directory';
import { MessageDraft } from './draft';
import { Emitter } from '../shared/emitter';
import { ClientError } from './errors';
import { OutboxBook } from './outbox-book';
import type { Contact, Conversation, Identity, InboxMessage, OutboxRecord, Ports } from './ports';
import { Receiver, type Rejection } from './receiver';
import { Uploader, type UploadCounters } from './uploader';

/** How an engine connects and behaves. */
export interface EngineOptions {
  /** Server URL, e.g. `http://127.0.0.1:8080`. */
  readonly server: string;
  /** Label the server records for this device. */
  readonly deviceName: string;
  /** Software version sent in `hello`, e.g. `cli/0.1.0`. */
  readonly clientVersion: string;
  /** Chunks sent ahead of their acks (default 1: at most one chunk is re-sent after a disconnect). */
  readonly uploadWindow?: number;
  /** Reconnect and retry backoff (default base 0.5 s, cap 30 s). */
  readonly backoff?: BackoffPolicy;
  /** Ping interval (default 30 s). */
  readonly pingIntervalMs?: number;
  /** How long a ping may go unanswered (default 10 s). */
  readonly pingTimeoutMs?: number;
}

/** The events a UI can listen to. */
export interface EngineEvents {
  /** The connection status changed. */
  connection: ConnectionStatus;
  /** An outgoing message changed state (sealed another chunk, acked, sent, delivered, played, failed). */
  outbox: { readonly messageId: MessageId; readonly state: OutboxState };
  /** A chunk frame was sent (counters for progress and the re-send budget). */
  upload: { readonly messageId: MessageId } & UploadCounters;
  /** A message arrived, verified and stored. */
  message: InboxMessage;
  /** A message failed verification or could not be fetched; it is not retried. */
  rejected: Rejection;
  /** An unknown device wrote: it is now a message request. */
  request: Contact;
  /** A conversation was created or its members changed. */
  conversation: Conversation;
  /** A sync caught up with the server. */
  synced: Record<string, never>;
  /** Something failed unexpectedly (the engine reconnects and carries on). */
  error: { readonly error: unknown };
}

/** One device's client: connection, outbox, inbox and contacts, for one server. */
export class Engine {
  /** This device. */
  readonly identity: Identity;
  /** The server origin (pins and cursors are kept per origin). */
  readonly origin: string;
  readonly #ports: Ports;
  readonly #events = new Emitter<EngineEvents>((error) => {
    this.#events.emit('error', { error });
  });
  readonly #book: OutboxBook;
  readonly #connection: Connection;
  readonly #uploader: Uploader;
  readonly #receiver: Receiver;
  readonly #live = new Set<string>();
  readonly #directory: Directory;
  #syncedThisSession = false;
  #ensuring = 0;
  #idleWaiters: (() => void)[] = [];

  private constructor(ports: Ports, identity: Identity, options: EngineOptions) {
    this.#ports = ports;
    this.identity = identity;
    this.origin = serverOrigin(options.server);
    this.#directory = new Directory(ports.contacts, identity, ports.clock, ports.random);
    this.#book = new OutboxBook(ports.outbox, (messageId, state) => {
      // An ack or a commit is the server doing real work: the connection's backoff may reset.
      if (state.type !== 'recording' && state.type !== 'failed') this.#connection.markProgress();
      this.#events.emit('outbox', { messageId, state });
    });
    const onError = (error: unknown): void => {
      this.#events.emit('error', { error });
    };
    const onActivity = (): void => {
      this.#checkIdle();
    };
    this.#uploader = new Uploader({
      book: this.#book,
      outbox: ports.outbox,
      clock: ports.clock,
      random: ports.random,
      window: Math.max(1, options.uploadWindow ?? 1),
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      isLive: (messageId) => this.#live.has(toHex(messageId)),
      ensureConversation: (session, record) => this.#directory.ensure(session, record.conversationId),
      onSent: (messageId, counters) => {
        this.#events.emit('upload', { messageId, ...counters });
      },
      onActivity,
      onError,
    });
    this.#receiver = new Receiver({
      inbox: ports.inbox,
      contacts: ports.contacts,
      book: this.#book,
      identity,
      origin: this.origin,
      clock: ports.clock,
      onMessage: (message) => {
        this.#events.emit('message', message);
      },
      onRejected: (rejection) => {
        this.#events.emit('rejected', rejection);
      },
      onRequest: (contact) => {
        this.#events.emit('request', contact);
      },
      onConversation: (conversation) => {
        this.#events.emit('conversation', conversation);
      },
      onSynced: () => {
        this.#connection.markProgress();
        this.#syncedThisSession = true;
        this.#events.emit('synced', {});
        this.#checkIdle();
      },
      onActivity,
      onError,
    });
    this.#connection = new Connection({
      transport: ports.transport,
      clock: ports.clock,
      random: ports.random,
      keyStore: ports.keyStore,
      identity: identity.keyPair,
      origin: this.origin,
      clientVersion: options.clientVersion,
      deviceName: options.deviceName,
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
      ...(options.pingIntervalMs === undefined ? {} : { pingIntervalMs: options.pingIntervalMs }),
      ...(options.pingTimeoutMs === undefined ? {} : { pingTimeoutMs: options.pingTimeoutMs }),
      onOpen: (session) => {
        this.#onOpen(session);
      },
      onPush: (session, frame) => {
        this.#receiver.push(session, frame.events, frame.hasMore);
      },
      onStatus: (status) => {
        if (status.type !== 'open') this.#syncedThisSession = false;
        this.#events.emit('connection', status);
        this.#checkIdle();
      },
    });
  }

  /** Loads libsodium, the identity and the outbox; throws NOT_INITIALIZED without an identity. */
  static async open(ports: Ports, options: EngineOptions): Promise<Engine> {
    await sodiumReady();
    const identity = await ports.keyStore.loadIdentity();
    if (identity === null) throw new ClientError('NOT_INITIALIZED', 'no identity yet: create one first');
    const engine = new Engine(ports, identity, options);
    await engine.#book.load();
    return engine;
  }

  /** This device's key: its address. */
  get deviceKey(): DeviceKey {
    return asDeviceKey(this.identity.keyPair.publicKey);
  }

  /** The connection status. */
  get status(): ConnectionStatus {
    return this.#connection.status;
  }

  /** Listens to one event type; returns the unsubscribe function. */
  on<K extends keyof EngineEvents>(type: K, listener: (payload: EngineEvents[K]) => void): () => void {
    return this.#events.on(type, listener);
  }

  /** Connects and keeps connecting (idempotent). */
  start(): void {
    this.#connection.start();
  }

  /** Skips a backoff wait (the network came back, the app became visible). */
  reconnectNow(): void {
    this.#connection.reconnectNow();
  }

  /** Disconnects and stops; stored work resumes at the next start. */
  async stop(): Promise<void> {
    await this.#connection.stop();
    await this.#book.flush();
  }

  /** Resolves once connected, synced, with no receipts or uploads in progress. */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      this.#checkIdle();
    });
  }

  // ---- contacts ----

  /** This device's invite link (`<origin>/#/invite/<code>`). */
  inviteLink(): string {
    return inviteLink(this.origin, encodeInvite({ publicKey: this.deviceKey, name: this.identity.name }));
  }

  /** Adds a contact from an invite link or code (and accepts a pending request); `name` overrides theirs. */
  async addContact(invite: string, name?: string): Promise<Contact> {
    const contact = await this.#directory.addContact(invite, name);
    this.#ensureSoon(contact.conversationId);
    return contact;
  }

  /** Every contact and message request. */
  contacts(): Promise<Contact[]> {
    return this.#ports.contacts.listContacts();
  }

  /** Every 1:1 and group conversation. */
  conversations(): Promise<Conversation[]> {
    return this.#ports.contacts.listConversations();
  }

  /** Creates a group conversation with these devices (this one is added). */
  async createGroup(title: string, members: readonly DeviceKey[]): Promise<Conversation> {
    const conversation = await this.#directory.createGroup(title, members);
    this.#ensureSoon(conversation.id);
    return conversation;
  }

  // ---- sending ----

  /**
   * The members a message key is wrapped for: only devices this user added from an invite. The
   * member list comes from the server, which could slip in a device of its own; a key wrapped for
   * it would end end-to-end secrecy, so unknown members get nothing until the user adds them.
   */
  async #recipients(conversation: Conversation): Promise<DeviceKey[]> {
    const recipients: DeviceKey[] = [];
    for (const member of conversation.members) {
      if (sameBytes(member, this.deviceKey)) continue;
      const contact = await this.#ports.contacts.getContact(member);
      if (contact?.status === 'contact') recipients.push(member);
    }
    if (recipients.length === 0) {
      throw new ClientError(
        'UNKNOWN_CONTACT',
        'nobody in this conversation is one of your contacts yet: add them from their invite first',
      );
    }
    return recipients;
  }

  /** Starts a message to a conversation; chunks are sealed, stored and uploaded as they are added. */
  async startMessage(conversationId: ConversationId): Promise<MessageDraft> {
    const { contacts, outbox, clock, random } = this.#ports;
    const conversation = await contacts.getConversation(conversationId);
    if (conversation === null) throw new ClientError('UNKNOWN_CONTACT', 'no such conversation');
    const recipients = await this.#recipients(conversation);
    const messageId = asMessageId(random.bytes(MESSAGE_ID_BYTES));
    const key = newMessageKey();
    const wraps = withMe(recipients, this.deviceKey).map((deviceKey) => ({
      deviceKey,
      wrapped: wrapKey(key, messageId, this.identity.keyPair, deviceKey),
    }));
    const record: OutboxRecord = {
      messageId,
      conversationId,
      wraps,
      state: { type: 'recording', sealed: 0, acked: 0 },
      sealedMetadata: null,
      metadata: null,
      createdAtMs: clock.now(),
    };
    await outbox.create(record);
    this.#book.track(record);
    this.#live.add(toHex(messageId));
    const maxChunks = this.#connection.session?.welcome.limits.maxChunksPerMessage ?? Number.MAX_SAFE_INTEGER;
    const draft = new MessageDraft(messageId, conversationId, key, {
      book: this.#book,
      maxChunks,
      now: () => clock.now(),
      sealed: (id) => {
        this.#uploader.wake(id);
      },
      closed: (id) => {
        this.#live.delete(toHex(id));
      },
    });
    this.#uploader.wake(messageId);
    return draft;
  }

  /** Every outgoing message, oldest first. */
  outbox(): Promise<OutboxRecord[]> {
    return this.#ports.outbox.list();
  }

  /** The state of an outgoing message (undefined if unknown). */
  outboxState(messageId: MessageId): OutboxState | undefined {
    return this.#book.get(messageId);
  }

  /** Chunk frames sent for a message by this engine (progress, re-send budget). */
  uploadCounters(messageId: MessageId): UploadCounters {
    return this.#uploader.counters(messageId);
  }

  /** Resolves with the message's first state that satisfies `done` (now or later). */
  waitForOutbox(messageId: MessageId, done: (state: OutboxState) => boolean): Promise<OutboxState> {
    return new Promise((resolve) => {
      const current = this.#book.get(messageId);
      if (current !== undefined && done(current)) {
        resolve(current);
        return;
      }
      const stop = this.on('outbox', (event) => {
        if (sameBytes(event.messageId, messageId) && done(event.state)) {
          stop();
          resolve(event.state);
        }
      });
    });
  }

  /** Tries a failed message again from where it stopped. */
  async retry(messageId: MessageId): Promise<void> {
    await this.#book.apply(messageId, { type: 'retry' });
    this.#uploader.wake(messageId);
  }

  /** Deletes an outgoing message locally and, if not sent, cancels its upload on the server. */
  async discard(messageId: MessageId): Promise<void> {
    const state = this.#book.get(messageId);
    if (state === undefined) throw new ClientError('UNKNOWN_MESSAGE', 'no such outgoing message');
    const session = this.#connection.session;
    if (session !== null && (isPending(state) || state.type === 'failed')) {
      await session.rpc.request({ type: 'abort', messageId }).catch(() => undefined);
    }
    this.#live.delete(toHex(messageId));
    await this.#book.remove(messageId);
  }

  // ---- receiving ----

  /** Every received message, oldest first. */
  inbox(): Promise<InboxMessage[]> {
    return this.#ports.inbox.list();
  }

  /** Marks a received message played; the sender gets a `played` receipt (now, or after reconnecting). */
  async markPlayed(messageId: MessageId): Promise<InboxMessage> {
    const message = await this.#ports.inbox.markPlayed(messageId, this.#ports.clock.now());
    if (message === null) throw new ClientError('UNKNOWN_MESSAGE', 'no such received message');
    const session = this.#connection.session;
    if (message.played === 'pending' && session !== null) {
      this.#receiver.sendReceipt(session, messageId, 'played');
    }
    return message;
  }

  // ---- internals ----

  #onOpen(session: Session): void {
    this.#syncedThisSession = false;
    drop(this.#ensureAll(session), (error: unknown) => {
      if (!(error instanceof ClientError) && !session.isClosed()) this.#events.emit('error', { error });
    });
    this.#receiver.attach(session);
    this.#uploader.attach(session);
  }

  async #ensureAll(session: Session): Promise<void> {
    this.#ensuring++;
    try {
      await this.#directory.ensureAll(session);
    } finally {
      this.#ensuring--;
      this.#checkIdle();
    }
  }

  #ensureSoon(conversationId: ConversationId): void {
    const session = this.#connection.session;
    if (session === null) return;
    drop(this.#directory.ensure(session, conversationId), (error: unknown) => {
      if (!(error instanceof ClientError)) this.#events.emit('error', { error });
    });
  }

  #checkIdle(): void {
    if (this.#idleWaiters.length === 0) return;
    const idle =
      this.#connection.status.type === 'open' &&
      this.#syncedThisSession &&
      this.#ensuring === 0 &&
      !this.#receiver.busy &&
      this.#uploader.running === 0;
    if (!idle) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
