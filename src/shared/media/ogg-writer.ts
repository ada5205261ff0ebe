import { InvalidStateError } from './errors';
import { NO_GRANULE, OGG_MAX_SEGMENTS, encodePage } from './ogg-page';

/** Options of an `OggWriter`. */
export interface OggWriterOptions {
  /** Logical stream serial number (uint32); pick it at random per stream. */
  readonly serial: number;
}

/**
 * Incremental Ogg muxer for one logical stream: packets in, pages out (RFC 3533). A page is
 * emitted when its segment table is full or when the caller calls `flushPage()`; the first page
 * carries BOS and `finish()` puts EOS on the last.
 */
export class OggWriter {
  readonly #serial: number;
  readonly #segments = new Uint8Array(OGG_MAX_SEGMENTS);
  readonly #body = new Uint8Array(OGG_MAX_SEGMENTS * 255);
  #segmentCount = 0;
  #bodyLength = 0;
  #sequence = 0;
  #granule = NO_GRANULE;
  #pageContinued = false;
  #finished = false;

  constructor(options: OggWriterOptions) {
    if (!Number.isInteger(options.serial) || options.serial < 0 || options.serial > 0xffffffff) {
      throw new TypeError(`serial must be an integer in 0..2^32-1, got ${options.serial}`);
    }
    this.#serial = options.serial;
  }

  /** Pages emitted so far (the next page's sequence number). */
  get pageCount(): number {
    return this.#sequence;
  }

  /** Bytes of packet data waiting in the current, unflushed page. */
  get pendingBytes(): number {
    return this.#bodyLength;
  }

  /**
   * Appends a packet that ends at `granulePosition`; returns pages that filled up meanwhile
   * (usually none). The packet is copied, so the caller may reuse its buffer.
   */
  writePacket(packet: Uint8Array, granulePosition: bigint): Uint8Array[] {
    this.#assertWritable();
    const pages: Uint8Array[] = [];
    let offset = 0;
    for (;;) {
      if (this.#segmentCount === OGG_MAX_SEGMENTS) pages.push(this.#emit(offset > 0, false));
      // A lacing value of 255 means "more follows", so a packet of k·255 bytes ends with a 0.
      const lacing = Math.min(packet.length - offset, 255);
      this.#segments[this.#segmentCount++] = lacing;
      this.#body.set(packet.subarray(offset, offset + lacing), this.#bodyLength);
      this.#bodyLength += lacing;
      offset += lacing;
      if (lacing < 255) break;
    }
    this.#granule = granulePosition;
    return pages;
  }

  /** Emits the current page now, or returns `null` if no packet data is waiting. */
  flushPage(): Uint8Array | null {
    this.#assertWritable();
    return this.#segmentCount > 0 ? this.#emit(false, false) : null;
  }

  /**
   * Emits the last page with EOS set (an empty one if nothing is waiting); later calls return
   * an empty list.
   */
  finish(): Uint8Array[] {
    if (this.#finished) return [];
    const page = this.#emit(false, true);
    this.#finished = true;
    return [page];
  }

  #assertWritable(): void {
    if (this.#finished) throw new InvalidStateError('the Ogg stream is already finished');
  }

  #emit(packetOpen: boolean, eos: boolean): Uint8Array {
    const page = encodePage({
      continued: this.#pageContinued,
      bos: this.#sequence === 0,
      eos,
      granulePosition: this.#granule,
      serial: this.#serial,
      sequence: this.#sequence,
      segments: this.#segments.subarray(0, this.#segmentCount),
      body: this.#body.subarray(0, this.#bodyLength),
    });
    this.#sequence++;
    this.#segmentCount = 0;
    this.#bodyLength = 0;
    this.#granule = NO_GRANULE;
    this.#pageContinued = packetOpen;
    return page;
  }
}
