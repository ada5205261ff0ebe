// Ogg's CRC-32 (RFC 3533 §6): polynomial 0x04C11DB7, MSB first (no reflection), initial value 0,
// no final XOR — unlike the zlib/PNG CRC-32 that most libraries provide.

const POLYNOMIAL = 0x04c11db7;

const TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let bit = 0; bit < 8; bit++) r = (r & 0x80000000) !== 0 ? (r << 1) ^ POLYNOMIAL : r << 1;
    table[i] = r >>> 0;
  }
  return table;
}

/** Ogg CRC-32 of `bytes` (continuing from `crc`, 0 to start), as an unsigned 32-bit number. */
export function oggCrc32(bytes: Uint8Array, crc = 0): number {
  let c = crc >>> 0;
  for (const byte of bytes) c = ((c << 8) ^ (TABLE[((c >>> 24) ^ byte) & 0xff] ?? 0)) >>> 0;
  return c;
}
