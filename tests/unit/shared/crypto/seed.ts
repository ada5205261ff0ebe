import type fc from 'fast-check';

/** Seed for the properties in this folder: FC_SEED to replay a failure, else the clock (printed once). */
export const SEED =
  process.env.FC_SEED === undefined ? Date.now() % 0x7fff_ffff : Number(process.env.FC_SEED);
console.log(`crypto fast-check seed ${SEED} (replay with FC_SEED=${SEED})`);

/** fast-check parameters with the shared seed. */
export function runs(numRuns: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns };
}
