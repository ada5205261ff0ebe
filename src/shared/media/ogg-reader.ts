import { MediaFormatError } from './errors';
import { NO_GRANULE, decodePage, pageByteLength } from './ogg-page';
import type { OggPage } from './ogg-page';

/** A packet reassembled from one logical stream. */
export interface OggPacket {
  /** The packet's bytes (a view into the page when it fits in one page). */
  readonly data: Uint8Array;
  /** The page's granule position if this is the last packet ending on its page, else `null`. */
  readonly granulePosition: bigint | null;
  /** Sequence number of the page on which the packet ends. */
  readonly pageSequence: number;
  /** The packet is the first of its stream. */
  readonly bos: boolean;
  /** The packet is the last of its stream (the last one ending on the EOS page). */
  readonly eos: boolean;
}

/**
 * Incremental page splitter: bytes in (any chunking), verified pages out. Input is strict — a
 * corrupt page throws instead of resynchronising, since our transport delivers exact bytes.
 */
export class OggPageReader {
  /** Bytes of an incomplete page, at the start of a buffer that grows by doubling. */
  #pending = new Uint8Array(0);
  #pendingLength = 0;
  /** Stream position of the first pending byte. */
  #position = 0;

  /**
   * Adds bytes and returns every page they complete. Pages read straight from `bytes` are views
   * into it; a page assembled across calls is a copy.
   */
  push(bytes: Uint8Array): OggPage[] {
    if (this.#pendingLength === 0) {
      const { pages, consumed } = this.#split(bytes, false);
      this.#stash(bytes.subarray(consumed));
      return pages;
    }
    this.#stash(bytes);
    const { pages, consumed } = this.#split(this.#pending.subarray(0, this.#pendingLength), true);
    this.#pending.copyWithin(0, consumed, this.#pendingLength);
    this.#pendingLength -= consumed;
    return pages;
  }

  /** Declares the input complete; throws `OGG_TRUNCATED` if a partial page is left over. */
  end(): void {
    if (this.#pendingLength > 0) {
      throw new MediaFormatError(
        'OGG_TRUNCATED',
        `the input ends inside the Ogg page at byte ${this.#position}`,
      );
    }
  }

  #split(buffer: Uint8Array, copy: boolean): { pages: OggPage[]; consumed: number } {
    const pages: OggPage[] = [];
    let offset = 0;
    for (;;) {
      const length = pageByteLength(buffer, offset, this.#position);
      if (length === null || offset + length > buffer.length) break;
      const source = copy ? buffer.slice(offset, offset + length) : buffer;
      pages.push(decodePage(source, copy ? 0 : offset, this.#position).page);
      offset += length;
      this.#position += length;
    }
    return { pages, consumed: offset };
  }

  #stash(bytes: Uint8Array): void {
    const needed = this.#pendingLength + bytes.length;
    if (needed > this.#pending.length) {
      const grown = new Uint8Array(Math.max(needed, this.#pending.length * 2, 256));
      grown.set(this.#pending.subarray(0, this.#pendingLength));
      this.#pending = grown;
    }
    this.#pending.set(bytes, this.#pendingLength);
    this.#pendingLength = needed;
  }
}

/**
 * Reassembles packets from the pages of one logical stream, checking BOS, EOS, serial,
 * page sequence and packet continuation.
 */
export class OggPacketReader {
  #serial: number | null = null;
  #nextSequence = 0;
  #open: Uint8Array[] = [];
  #packetOpen = false;
  #ended = false;
  #first = true;

  /** The EOS page has been read. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Serial number of the stream, once its first page is read. */
  get serial(): number | null {
    return this.#serial;
  }

  /** Consumes the next page and returns the packets that end on it. */
  pushPage(page: OggPage): OggPacket[] {
    this.#checkPage(page);
    const packets: OggPacket[] = [];
    const lastEnd = lastPacketEnd(page.segments);
    let start = 0;
    let offset = 0;
    for (let i = 0; i < page.segments.length; i++) {
      const lacing = page.segments[i] ?? 0;
      offset += lacing;
      if (lacing === 255) continue;
      const piece = page.body.subarray(start, offset);
      const data = this.#open.length > 0 ? concat([...this.#open, piece]) : piece;
      const isLast = i === lastEnd;
      packets.push({
        data,
        granulePosition: isLast && page.granulePosition !== NO_GRANULE ? page.granulePosition : null,
        pageSequence: page.sequence,
        bos: this.#first,
        eos: isLast && page.eos,
      });
      this.#first = false;
      this.#open = [];
      this.#packetOpen = false;
      start = offset;
    }
    if (lastSegmentOpens(page.segments)) {
      this.#open.push(page.body.subarray(start));
      this.#packetOpen = true;
    }
    if (page.eos && this.#packetOpen) {
      throw new MediaFormatError('OGG_TRUNCATED', `the EOS page ${page.sequence} ends inside a packet`);
    }
    return packets;
  }

  /** Declares the input complete; throws `OGG_TRUNCATED` if a packet was left unfinished. */
  end(): void {
    if (this.#packetOpen) {
      throw new MediaFormatError('OGG_TRUNCATED', 'the input ends inside a packet continued across pages');
    }
  }

  #checkPage(page: OggPage): void {
    if (this.#ended) {
      throw new MediaFormatError('OGG_AFTER_EOS', `page ${page.sequence} follows the end-of-stream page`);
    }
    if (this.#serial === null) {
      if (!page.bos) throw new MediaFormatError('OGG_BAD_BOS', 'the first Ogg page lacks the BOS flag');
      this.#serial = page.serial;
      this.#nextSequence = page.sequence;
    } else if (page.serial !== this.#serial) {
      throw new MediaFormatError(
        'OGG_BAD_SERIAL',
        `page ${page.sequence} belongs to stream ${page.serial}, not ${this.#serial}: multiplexed or chained Ogg is not supported`,
      );
    } else if (page.bos) {
      throw new MediaFormatError(
        'OGG_BAD_BOS',
        `page ${page.sequence} has the BOS flag but is not the first page`,
      );
    }
    if (page.sequence !== this.#nextSequence) {
      throw new MediaFormatError(
        'OGG_BAD_SEQUENCE',
        `expected Ogg page ${this.#nextSequence}, got ${page.sequence}: a page is missing or out of order`,
      );
    }
    if (page.continued !== this.#packetOpen) {
      throw new MediaFormatError(
        'OGG_BAD_CONTINUATION',
        page.continued
          ? `page ${page.sequence} continues a packet, but none was left open`
          : `page ${page.sequence} starts a new packet while the previous one is unfinished`,
      );
    }
    this.#nextSequence = page.sequence + 1;
    if (page.eos) this.#ended = true;
  }
}

/** Splits a whole Ogg file (or a concatenation of pages) into verified pages. */
export function readOggPages(bytes: Uint8Array): OggPage[] {
  const reader = new OggPageReader();
  const pages = reader.push(bytes);
  reader.end();
  return pages;
}

/** Reads every packet of a single-stream Ogg input given whole or as a sequence of chunks. */
export function readOggPackets(input: Uint8Array | Iterable<Uint8Array>): OggPacket[] {
  const pages = new OggPageReader();
  const packets = new OggPacketReader();
  const out: OggPacket[] = [];
  for (const chunk of input instanceof Uint8Array ? [input] : input) {
    for (const page of pages.push(chunk)) out.push(...packets.pushPage(page));
  }
  pages.end();
  packets.end();
  return out;
}

/** Index of the last lacing value that ends a packet, or −1. */
function lastPacketEnd(segments: Uint8Array): number {
  for (let i = segments.length - 1; i >= 0; i--) if (segments[i] !== 255) return i;
  return -1;
}

function lastSegmentOpens(segments: Uint8Array): boolean {
  return segments.length > 0 && segments[segments.length - 1] === 255;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
