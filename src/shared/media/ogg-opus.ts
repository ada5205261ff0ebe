import { InvalidStateError, MediaFormatError } from './errors';
import { decodePage, encodePage } from './ogg-page';
import { OggWriter } from './ogg-writer';
import { OPUS_HEAD_PRE_SKIP_OFFSET, encodeOpusHead, encodeOpusTags, parseOpusHead } from './opus-head';
import type { OpusHead, OpusTags } from './opus-head';
import { OPUS_MAX_PACKET_SAMPLES, opusPacketSamples } from './opus-packet';

/** libopus's algorithmic delay at 48 kHz for the VOIP and AUDIO applications (2.5 ms + 4 ms lookahead). */
export const OPUS_ENCODER_DELAY_SAMPLES = 312;
/** 80 ms: the pre-skip opus-recorder 8 writes whatever the real codec delay is. */
export const OPUS_RECORDER_PRE_SKIP = 3840;
/** Default audio per page: 1 s at 48 kHz, one upload chunk (DESIGN.md §3). */
export const DEFAULT_PAGE_SAMPLES = 48_000;
/** Vendor string our muxer writes into OpusTags. */
export const SOTTO_VENDOR = 'Sotto';

/** Options of an `OggOpusWriter`. */
export interface OggOpusWriterOptions {
  /** Logical stream serial number (uint32); pick it at random per message. */
  readonly serial: number;
  /** Encoder delay in 48 kHz samples to skip on decode (WebCodecs' OpusHead says; default 312). */
  readonly preSkip?: number;
  /** 1 (mono, default) or 2. */
  readonly channelCount?: number;
  /** Rate of the captured audio in Hz, informational (default 48000). */
  readonly inputSampleRate?: number;
  /** Output gain in dB (default 0). */
  readonly outputGainDb?: number;
  /** OpusTags vendor string (default "Sotto"). */
  readonly vendor?: string;
  /** OpusTags user comments, `KEY=value`. */
  readonly comments?: readonly string[];
  /** Audio per page in 48 kHz samples; a page is emitted once it holds at least this much. */
  readonly pageSamples?: number;
}

/** Options of `OggOpusWriter.finish()`. */
export interface FinishOptions {
  /** Real length of the input in 48 kHz samples, to end-trim the padding of the last packet. */
  readonly totalSamples?: number;
}

interface HeldPacket {
  readonly data: Uint8Array;
  readonly samples: number;
}

type WriterState =
  | { readonly type: 'idle' }
  | { readonly type: 'writing'; held: HeldPacket | null }
  | { readonly type: 'finished' };

function requireInteger(value: number, field: string, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`${field} must be an integer in ${min}..${max}, got ${value}`);
  }
}

/**
 * Incremental Ogg Opus muxer (RFC 7845): raw Opus packets in (e.g. WebCodecs `AudioEncoder`
 * output), pages out. Page 0 holds only OpusHead, OpusTags gets its own page(s), audio pages
 * carry the decoder-output granule position, and `finish()` sets EOS (end-trimmed if asked).
 * The newest packet is held back so the EOS page always carries audio and can be trimmed.
 */
export class OggOpusWriter {
  readonly #ogg: OggWriter;
  readonly #head: OpusHead;
  readonly #tags: OpusTags;
  readonly #pageSamples: number;
  #state: WriterState = { type: 'idle' };
  /** Granule position after the last packet handed to the Ogg layer. */
  #granule = 0;
  /** Granule position of the last packet that ends on an already emitted page. */
  #flushedGranule = 0;
  #samplesOnPage = 0;

  constructor(options: OggOpusWriterOptions) {
    this.#ogg = new OggWriter({ serial: options.serial });
    this.#head = {
      version: 1,
      channelCount: options.channelCount ?? 1,
      preSkip: options.preSkip ?? OPUS_ENCODER_DELAY_SAMPLES,
      inputSampleRate: options.inputSampleRate ?? 48_000,
      outputGainDb: options.outputGainDb ?? 0,
      mappingFamily: 0,
    };
    encodeOpusHead(this.#head); // validates the fields now rather than at the first packet
    this.#tags = { vendor: options.vendor ?? SOTTO_VENDOR, comments: options.comments ?? [] };
    this.#pageSamples = options.pageSamples ?? DEFAULT_PAGE_SAMPLES;
    requireInteger(this.#pageSamples, 'pageSamples', 1, Number.MAX_SAFE_INTEGER);
  }

  /** The OpusHead this writer emits. */
  get head(): OpusHead {
    return this.#head;
  }

  /** Audio accepted so far, in 48 kHz samples (pre-skip included, as the decoder outputs it). */
  get samplesWritten(): number {
    return this.#granule + (this.#state.type === 'writing' ? (this.#state.held?.samples ?? 0) : 0);
  }

  /**
   * Adds one Opus packet lasting `durationSamples` at 48 kHz (default: read from its TOC byte)
   * and returns the pages completed so far (the header pages come with the first call).
   */
  writePacket(packet: Uint8Array, durationSamples?: number): Uint8Array[] {
    const samples = durationSamples ?? opusPacketSamples(packet);
    requireInteger(samples, 'durationSamples', 1, OPUS_MAX_PACKET_SAMPLES);
    const pages = this.#begin();
    const state = this.#writing();
    if (state.held !== null) {
      pages.push(...this.#commit(state.held, this.#granule + state.held.samples));
      if (this.#samplesOnPage >= this.#pageSamples) pages.push(...this.#flush());
    }
    // new Uint8Array(x) copies even when x is a Node Buffer, whose slice() would be a view.
    state.held = { data: new Uint8Array(packet), samples };
    return pages;
  }

  /** Emits the pending audio page now (except the held-back newest packet). */
  flushPage(): Uint8Array[] {
    const pages = this.#begin();
    pages.push(...this.#flush());
    return pages;
  }

  /**
   * Emits the remaining pages, the last one with EOS. With `totalSamples`, the final granule
   * becomes pre-skip + totalSamples (clamped to what the final page can trim). Later calls return [].
   */
  finish(options: FinishOptions = {}): Uint8Array[] {
    if (this.#state.type === 'finished') return [];
    if (options.totalSamples !== undefined) {
      requireInteger(options.totalSamples, 'totalSamples', 0, Number.MAX_SAFE_INTEGER);
    }
    const pages = this.#begin();
    const { held } = this.#writing();
    if (held !== null) {
      const full = this.#granule + held.samples;
      const wanted = options.totalSamples === undefined ? full : this.#head.preSkip + options.totalSamples;
      // Granules never go backwards: trimming stops at the previous page's position.
      pages.push(...this.#commit(held, Math.min(full, Math.max(this.#flushedGranule, wanted))));
    }
    pages.push(...this.#ogg.finish());
    this.#state = { type: 'finished' };
    return pages;
  }

  #begin(): Uint8Array[] {
    switch (this.#state.type) {
      case 'finished':
        throw new InvalidStateError('the Ogg Opus stream is already finished');
      case 'writing':
        return [];
      case 'idle': {
        const pages = this.#ogg.writePacket(encodeOpusHead(this.#head), 0n);
        pages.push(...this.#flush());
        pages.push(...this.#ogg.writePacket(encodeOpusTags(this.#tags), 0n));
        pages.push(...this.#flush());
        this.#state = { type: 'writing', held: null };
        return pages;
      }
    }
  }

  #writing(): { held: HeldPacket | null } {
    if (this.#state.type !== 'writing') throw new InvalidStateError('the Ogg Opus stream is not writing');
    return this.#state;
  }

  #commit(packet: HeldPacket, granule: number): Uint8Array[] {
    const before = this.#granule;
    const pages = this.#ogg.writePacket(packet.data, BigInt(granule));
    this.#granule = granule;
    this.#samplesOnPage += packet.samples;
    if (pages.length > 0) {
      // The segment table filled up mid-packet: everything before this packet is on a page.
      this.#flushedGranule = before;
      this.#samplesOnPage = packet.samples;
    }
    if (this.#state.type === 'writing') this.#state.held = null;
    return pages;
  }

  #flush(): Uint8Array[] {
    const page = this.#ogg.flushPage();
    this.#flushedGranule = this.#granule;
    this.#samplesOnPage = 0;
    return page === null ? [] : [page];
  }
}

/**
 * Rewrites the pre-skip of the OpusHead on the first page and recomputes that page's CRC;
 * other pages are returned as they are. This fixes opus-recorder 8, which always writes 3840
 * (80 ms) although libopus delays by 312 samples, so players drop ~73 ms of real speech. The
 * alternative fix is to feed that encoder 80 ms of zeros before the first real frame.
 */
export function rewritePreSkip(pages: readonly Uint8Array[], preSkip: number): Uint8Array[] {
  requireInteger(preSkip, 'preSkip', 0, 0xffff);
  const [first, ...rest] = pages;
  if (first === undefined) {
    throw new MediaFormatError('OPUS_BAD_HEAD', 'there is no first page to hold the OpusHead');
  }
  const { page, byteLength } = decodePage(first);
  const lacing = page.segments[0];
  if (!page.bos || page.segments.length !== 1 || lacing === undefined || lacing === 255) {
    throw new MediaFormatError(
      'OPUS_BAD_LAYOUT',
      'the first page must be a BOS page holding only the OpusHead',
    );
  }
  parseOpusHead(page.body);
  const body = new Uint8Array(page.body);
  new DataView(body.buffer, body.byteOffset, body.byteLength).setUint16(
    OPUS_HEAD_PRE_SKIP_OFFSET,
    preSkip,
    true,
  );
  const rewritten = encodePage({ ...page, body });
  if (byteLength === first.length) return [rewritten, ...rest];
  // `first` held more than one page (e.g. a whole file): keep the bytes that follow.
  const joined = new Uint8Array(first.length);
  joined.set(rewritten);
  joined.set(first.subarray(byteLength), byteLength);
  return [joined, ...rest];
}
