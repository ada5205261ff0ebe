// Identity, invites and conversations: the parts of the address book that are pure computation.
import { dh, hash, concat } from '../shared/crypto/noise-primitives';
import type { KeyPair } from '../shared/crypto/noise';
import { encodeUtf8 } from '../shared/protocol/utf8';
import {
  CONVERSATION_ID_BYTES,
  asConversationId,
  asDeviceKey,
  sameBytes,
  type ConversationId,
  type DeviceKey,
} from '../shared/protocol';

/** Domain label of the 1:1 conversation id derivation. */
const DIRECT_CONVERSATION_LABEL = encodeUtf8('sotto-direct-conversation-v1', 'label');

/** Orders two keys by their bytes, so both sides compute the same thing. */
function sortedPair(a: Uint8Array, b: Uint8Array): [Uint8Array, Uint8Array] {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference < 0 ? [a, b] : [b, a];
  }
  return a.length <= b.length ? [a, b] : [b, a];
}

/**
 * The id of the 1:1 conversation between this device and `other`: the first 16 bytes of
 * BLAKE2b-512(label ‖ sorted keys ‖ X25519(me, other)). Both sides derive the same id without
 * talking, and only they can: the shared secret keeps anyone else from squatting the id on the server.
 */
export function directConversationId(me: KeyPair, other: DeviceKey): ConversationId {
  const [first, second] = sortedPair(me.publicKey, other);
  const digest = hash(concat(DIRECT_CONVERSATION_LABEL, first, second, dh(me.privateKey, other)));
  return asConversationId(digest.slice(0, CONVERSATION_ID_BYTES));
}

/** The members of a conversation other than `me`. */
export function othersIn(members: readonly DeviceKey[], me: Uint8Array): DeviceKey[] {
  return members.filter((member) => !sameBytes(member, me));
}

/** Every member once, `me` included, in a stable order (me first). */
export function withMe(members: readonly Uint8Array[], me: Uint8Array): DeviceKey[] {
  const out: DeviceKey[] = [asDeviceKey(me)];
  for (const member of members) {
    if (!out.some((known) => sameBytes(known, member))) out.push(asDeviceKey(member));
  }
  return out;
}
