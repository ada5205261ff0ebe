import { ProtocolError } from './errors';

const TWO_POW_32 = 0x1_0000_0000;
/** High 32-bit word of Number.MAX_SAFE_INTEGER (2^53 - 1). */
const MAX_SAFE_HIGH_WORD = 0x1f_ffff;

/** Reads little-endian fields from a byte string; every read is bounds-checked and throws ProtocolError. */
export class Reader {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private offset = 0;

  constructor(bytes: Uint8Array) {
    // A plain Uint8Array view, so that subclasses such as Node's Buffer never leak into decoded values.
    this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** Reads a u8. */
  u8(label: string): number {
    this.need(1, label);
    const value = this.view.getUint8(this.offset);
    this.offset += 1;
    return value;
  }

  /** Reads a u16. */
  u16(label: string): number {
    this.need(2, label);
    const value = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return value;
  }

  /** Reads a u32. */
  u32(label: string): number {
    this.need(4, label);
    const value = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }

  /** Reads a u64 that must not exceed Number.MAX_SAFE_INTEGER (BAD_VALUE otherwise). */
  u64(label: string): number {
    this.need(8, label);
    const low = this.view.getUint32(this.offset, true);
    const high = this.view.getUint32(this.offset + 4, true);
    if (high > MAX_SAFE_HIGH_WORD) {
      throw new ProtocolError('BAD_VALUE', `${label}: u64 above 2^53-1`);
    }
    this.offset += 8;
    return high * TWO_POW_32 + low;
  }

  /** Returns the next `length` bytes as a view into the input (no copy). */
  take(length: number, label: string): Uint8Array {
    this.need(length, label);
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  /** Returns a copy of the next `length` bytes. */
  copy(length: number, label: string): Uint8Array {
    return new Uint8Array(this.take(length, label));
  }

  private need(length: number, label: string): void {
    if (length > this.remaining) {
      throw new ProtocolError('TRUNCATED', `${label}: needs ${length} bytes, has ${this.remaining}`);
    }
  }
}

/** Writes little-endian fields into a buffer of a known final size; values are range-checked (BAD_VALUE). */
export class Writer {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private offset = 0;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  /** Writes a u8. */
  u8(value: number, label: string): void {
    checkInteger(value, 0xff, label);
    this.view.setUint8(this.offset, value);
    this.offset += 1;
  }

  /** Writes a u16. */
  u16(value: number, label: string): void {
    checkInteger(value, 0xffff, label);
    this.view.setUint16(this.offset, value, true);
    this.offset += 2;
  }

  /** Writes a u32. */
  u32(value: number, label: string): void {
    checkInteger(value, 0xffff_ffff, label);
    this.view.setUint32(this.offset, value, true);
    this.offset += 4;
  }

  /** Writes a u64 from a non-negative safe integer. */
  u64(value: number, label: string): void {
    checkInteger(value, Number.MAX_SAFE_INTEGER, label);
    this.view.setUint32(this.offset, value % TWO_POW_32, true);
    this.view.setUint32(this.offset + 4, Math.floor(value / TWO_POW_32), true);
    this.offset += 8;
  }

  /** Copies raw bytes. */
  raw(bytes: Uint8Array): void {
    this.bytes.set(bytes, this.offset);
    this.offset += bytes.length;
  }

  /** Returns the buffer; throws if the size computed up front was not filled exactly (a codec bug). */
  finish(): Uint8Array {
    if (this.offset !== this.bytes.length) {
      throw new ProtocolError('INTERNAL', `encoder wrote ${this.offset} of ${this.bytes.length} bytes`);
    }
    return this.bytes;
  }
}

function checkInteger(value: number, max: number, label: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new ProtocolError('BAD_VALUE', `${label}: ${value} is not an integer in 0..${max}`);
  }
}
