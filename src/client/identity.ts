// The device identity: made once per profile, never replaced silently.
import { generateKeyPair } from '../shared/crypto/noise';
import { sodiumReady } from '../shared/crypto/sodium';
import { ClientError } from './errors';
import type { Clock, Identity, KeyStore } from './ports';

/** Creates this device's identity on first run; throws ALREADY_INITIALIZED if there is one. */
export async function createIdentity(keyStore: KeyStore, name: string, clock: Clock): Promise<Identity> {
  await sodiumReady();
  if ((await keyStore.loadIdentity()) !== null) {
    throw new ClientError('ALREADY_INITIALIZED', 'this profile already has an identity');
  }
  if (name.trim() === '') throw new TypeError('name must not be empty');
  const identity: Identity = { keyPair: generateKeyPair(), name: name.trim(), createdAtMs: clock.now() };
  await keyStore.saveIdentity(identity);
  return identity;
}
