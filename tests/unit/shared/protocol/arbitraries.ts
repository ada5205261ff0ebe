import fc from 'fast-check';
import {
  asChunkIndex,
  asConversationId,
  asCursor,
  asDeviceKey,
  asMessageId,
  asMillis,
  asRequestId,
  isErrorCode,
  ERROR_POLICIES,
  MAX_CHUNKS_PER_MESSAGE,
  MAX_CHUNK_BYTES,
  MAX_EVENTS_PER_BATCH,
  MAX_IN_FLIGHT_UPLOADS,
  MAX_MEMBERS,
  MAX_METADATA_BYTES,
  U32_MAX,
  type ErrorCode,
  type Event,
  type Frame,
  type FrameOf,
  type FrameType,
} from '../../../../src/shared/protocol';

/** Seed for every property in this folder: FC_SEED to replay a failure, else the clock (printed once). */
export const SEED =
  process.env.FC_SEED === undefined ? Date.now() % 0x7fff_ffff : Number(process.env.FC_SEED);
console.log(`fast-check seed ${SEED} (replay with FC_SEED=${SEED})`);

/** fast-check parameters with the shared seed. */
export function runs(numRuns: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns };
}

const fixedBytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
const smallBytes = (max: number) => fc.uint8Array({ maxLength: max });
const u32 = fc.integer({ min: 0, max: U32_MAX });
const u64 = fc.maxSafeNat();
/** Any Unicode text (all planes); 16 code points stay far below MAX_STRING_BYTES. */
const text = fc.string({ unit: 'binary', maxLength: 16 });

/** Arbitrary ids and branded values. */
export const arb = {
  messageId: fixedBytes(16).map(asMessageId),
  conversationId: fixedBytes(16).map(asConversationId),
  deviceKey: fixedBytes(32).map(asDeviceKey),
  requestId: u32.map(asRequestId),
  cursor: u64.map(asCursor),
  millis: u64.map(asMillis),
  chunkIndex: fc.integer({ min: 0, max: MAX_CHUNKS_PER_MESSAGE - 1 }).map(asChunkIndex),
  chunkPosition: fc.integer({ min: 0, max: MAX_CHUNKS_PER_MESSAGE }).map(asChunkIndex),
  chunkCount: fc.integer({ min: 1, max: MAX_CHUNKS_PER_MESSAGE }),
};

const members = fc.array(arb.deviceKey, { maxLength: 4 });
const errorCode: fc.Arbitrary<ErrorCode> = fc.constantFrom(
  ...Object.keys(ERROR_POLICIES).filter(isErrorCode),
);

type Body<T extends FrameType> = Omit<FrameOf<T>, 'type' | 'requestId'>;
type Arbs<T> = { [K in keyof T]-?: fc.Arbitrary<T[K]> };

function frame<T extends FrameType>(type: T, body: Arbs<Body<T>>): fc.Arbitrary<FrameOf<T>> {
  return fc
    .record({ requestId: arb.requestId, ...body } as Arbs<Omit<FrameOf<T>, 'type'>>)
    .map((fields) => ({ type, ...fields }) as FrameOf<T>);
}

/** Arbitrary events of every kind. */
export const eventArb: fc.Arbitrary<Event> = fc.oneof(
  fc.record({
    type: fc.constant('message' as const),
    cursor: arb.cursor,
    messageId: arb.messageId,
    conversationId: arb.conversationId,
    sender: arb.deviceKey,
    chunkCount: arb.chunkCount,
    totalBytes: u64,
    wrap: smallBytes(96),
    metadata: smallBytes(256),
    committedAtMs: arb.millis,
  }),
  fc.record({
    type: fc.constant('receipt' as const),
    cursor: arb.cursor,
    messageId: arb.messageId,
    from: arb.deviceKey,
    kind: fc.constantFrom('delivered' as const, 'played' as const),
    atMs: arb.millis,
  }),
  fc.record({
    type: fc.constant('conversation' as const),
    cursor: arb.cursor,
    conversationId: arb.conversationId,
    members,
    change: fc.constantFrom('created' as const, 'joined' as const, 'left' as const),
  }),
);

/** One arbitrary per frame type; a missing type fails to compile. */
export const frameArbs: { readonly [K in FrameType]: fc.Arbitrary<FrameOf<K>> } = {
  hello: frame('hello', { clientVersion: text, deviceName: text }),
  welcome: frame('welcome', {
    serverVersion: text,
    deviceKey: arb.deviceKey,
    serverTimeMs: arb.millis,
    limits: fc.record({
      maxChunkBytes: fc.integer({ min: 1, max: MAX_CHUNK_BYTES }),
      maxChunksPerMessage: fc.integer({ min: 1, max: MAX_CHUNKS_PER_MESSAGE }),
      maxMetadataBytes: fc.integer({ min: 1, max: MAX_METADATA_BYTES }),
      maxMembers: fc.integer({ min: 1, max: MAX_MEMBERS }),
      maxEventsPerBatch: fc.integer({ min: 1, max: MAX_EVENTS_PER_BATCH }),
      maxInFlightUploads: fc.integer({ min: 1, max: MAX_IN_FLIGHT_UPLOADS }),
    }),
  }),
  ping: frame('ping', { nonce: u32 }),
  pong: frame('pong', { nonce: u32 }),
  error: frame('error', { code: errorCode, message: text, fatal: fc.boolean() }),
  ok: frame('ok', {}),
  begin: frame('begin', {
    messageId: arb.messageId,
    conversationId: arb.conversationId,
    wraps: fc.array(fc.record({ deviceKey: arb.deviceKey, wrapped: smallBytes(96) }), { maxLength: 4 }),
  }),
  chunk: frame('chunk', {
    messageId: arb.messageId,
    index: arb.chunkIndex,
    final: fc.boolean(),
    data: smallBytes(512),
  }),
  ack: frame('ack', { messageId: arb.messageId, nextIndex: arb.chunkPosition }),
  resume: frame('resume', { messageId: arb.messageId }),
  resumeState: frame('resumeState', {
    messageId: arb.messageId,
    state: fc.constantFrom('unknown' as const, 'uploading' as const, 'committed' as const),
    nextIndex: arb.chunkPosition,
  }),
  commit: frame('commit', {
    messageId: arb.messageId,
    chunkCount: arb.chunkCount,
    metadata: smallBytes(256),
  }),
  committed: frame('committed', { messageId: arb.messageId, committedAtMs: arb.millis }),
  abort: frame('abort', { messageId: arb.messageId }),
  aborted: frame('aborted', { messageId: arb.messageId }),
  sync: frame('sync', { after: arb.cursor, limit: fc.integer({ min: 1, max: MAX_EVENTS_PER_BATCH }) }),
  events: frame('events', { events: fc.array(eventArb, { maxLength: 4 }), hasMore: fc.boolean() }),
  fetch: frame('fetch', { messageId: arb.messageId, fromIndex: arb.chunkPosition }),
  chunkData: frame('chunkData', {
    messageId: arb.messageId,
    index: arb.chunkIndex,
    final: fc.boolean(),
    data: smallBytes(512),
  }),
  fetchEnd: frame('fetchEnd', { messageId: arb.messageId, chunkCount: arb.chunkCount }),
  receipt: frame('receipt', {
    messageId: arb.messageId,
    kind: fc.constantFrom('delivered' as const, 'played' as const),
  }),
  createConversation: frame('createConversation', { conversationId: arb.conversationId, members }),
  addMembers: frame('addMembers', { conversationId: arb.conversationId, members }),
  leaveConversation: frame('leaveConversation', { conversationId: arb.conversationId }),
  listConversations: frame('listConversations', { after: fc.option(arb.conversationId, { nil: null }) }),
  conversations: frame('conversations', {
    conversations: fc.array(fc.record({ conversationId: arb.conversationId, members }), { maxLength: 4 }),
    hasMore: fc.boolean(),
  }),
};

/** Any valid frame. */
export const anyFrame: fc.Arbitrary<Frame> = fc.oneof(...Object.values<fc.Arbitrary<Frame>>(frameArbs));
