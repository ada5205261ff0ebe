import { durationFromGranule } from './duration';
import type { OpusDuration } from './duration';
import { MediaFormatError } from './errors';
import { NO_GRANULE } from './ogg-page';
import type { OggPage } from './ogg-page';
import { OggPacketReader, OggPageReader } from './ogg-reader';
import type { OggPacket } from './ogg-reader';
import { parseOpusHead, parseOpusTags } from './opus-head';
import type { OpusHead, OpusTags } from './opus-head';
import { opusPacketSamples } from './opus-packet';

/** One audio packet of an Ogg Opus stream. */
export interface OggOpusPacket {
  /** The raw Opus packet, ready for a decoder. */
  readonly data: Uint8Array;
  /** Its duration in 48 kHz samples, from its TOC byte. */
  readonly samples: number;
  /** The page's granule position if this packet is the last to end on its page, else `null`. */
  readonly granulePosition: number | null;
}

/** Everything read from a complete Ogg Opus stream. */
export interface OggOpusStream {
  /** Logical stream serial number. */
  readonly serial: number;
  /** The identification header. */
  readonly head: OpusHead;
  /** The comment header. */
  readonly tags: OpusTags;
  /** The audio packets in order. */
  readonly packets: readonly OggOpusPacket[];
  /** Granule position of the last audio page that has one, or `null` if there is no audio. */
  readonly finalGranule: number | null;
  /** Playable length: final granule minus pre-skip. */
  readonly duration: OpusDuration;
  /** The EOS page was present. */
  readonly ended: boolean;
}

type ReaderState =
  | { readonly type: 'head' }
  | { readonly type: 'tags'; readonly head: OpusHead }
  | { readonly type: 'audio'; readonly head: OpusHead; readonly tags: OpusTags };

function granuleNumber(granule: bigint, sequence: number): number {
  if (granule < 0n || granule > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new MediaFormatError(
      'OPUS_BAD_GRANULE',
      `page ${sequence} has granule position ${granule}, out of range`,
    );
  }
  return Number(granule);
}

/**
 * Incremental Ogg Opus demuxer: bytes in (any chunking), audio packets out, with the RFC 7845
 * layout checked (OpusHead alone on page 0, OpusTags ending its page, granules never decreasing).
 */
export class OggOpusReader {
  readonly #pages = new OggPageReader();
  readonly #packets = new OggPacketReader();
  #state: ReaderState = { type: 'head' };
  #finalGranule: number | null = null;

  /** The identification header, once read. */
  get head(): OpusHead | null {
    return this.#state.type === 'head' ? null : this.#state.head;
  }

  /** The comment header, once read. */
  get tags(): OpusTags | null {
    return this.#state.type === 'audio' ? this.#state.tags : null;
  }

  /** Granule position of the last audio page read that has one. */
  get finalGranule(): number | null {
    return this.#finalGranule;
  }

  /** The EOS page has been read. */
  get ended(): boolean {
    return this.#packets.ended;
  }

  /** Logical stream serial number, once the first page is read. */
  get serial(): number | null {
    return this.#packets.serial;
  }

  /** Playable length of what has been read so far. */
  get duration(): OpusDuration {
    return durationFromGranule(this.#finalGranule ?? 0, this.head?.preSkip ?? 0);
  }

  /** Adds bytes and returns the audio packets they complete. */
  push(bytes: Uint8Array): OggOpusPacket[] {
    const out: OggOpusPacket[] = [];
    for (const page of this.#pages.push(bytes)) out.push(...this.#onPage(page));
    return out;
  }

  /** Declares the input complete and checks that the stream is whole. */
  end(): void {
    this.#pages.end();
    this.#packets.end();
    if (this.#state.type === 'head') {
      throw new MediaFormatError('OPUS_BAD_HEAD', 'the stream has no OpusHead');
    }
    if (this.#state.type === 'tags') {
      throw new MediaFormatError('OPUS_BAD_TAGS', 'the stream has no OpusTags');
    }
    if (this.ended && this.#finalGranule !== null && this.#finalGranule < this.#state.head.preSkip) {
      throw new MediaFormatError(
        'OPUS_BAD_GRANULE',
        `the final granule position ${this.#finalGranule} is below the pre-skip ${this.#state.head.preSkip}`,
      );
    }
  }

  #onPage(page: OggPage): OggOpusPacket[] {
    const packets = this.#packets.pushPage(page);
    const opensPacket = page.segments.at(-1) === 255;
    const state = this.#state;
    switch (state.type) {
      case 'head': {
        const [head] = packets;
        if (head === undefined || packets.length > 1 || opensPacket) {
          throw new MediaFormatError(
            'OPUS_BAD_LAYOUT',
            'the first page must hold the OpusHead and nothing else',
          );
        }
        this.#checkHeaderGranule(page);
        this.#state = { type: 'tags', head: parseOpusHead(head.data) };
        return [];
      }
      case 'tags': {
        const [tags] = packets;
        if (tags === undefined) return []; // OpusTags continues on the next page
        if (packets.length > 1 || opensPacket) {
          throw new MediaFormatError('OPUS_BAD_LAYOUT', 'audio must start on a new page after the OpusTags');
        }
        this.#checkHeaderGranule(page);
        this.#state = { type: 'audio', head: state.head, tags: parseOpusTags(tags.data) };
        return [];
      }
      case 'audio':
        return this.#onAudioPage(page, packets);
    }
  }

  #checkHeaderGranule(page: OggPage): void {
    if (page.granulePosition !== 0n) {
      throw new MediaFormatError(
        'OPUS_BAD_GRANULE',
        `header page ${page.sequence} has a granule position other than 0`,
      );
    }
  }

  #onAudioPage(page: OggPage, packets: readonly OggPacket[]): OggOpusPacket[] {
    if (page.granulePosition !== NO_GRANULE) {
      const granule = granuleNumber(page.granulePosition, page.sequence);
      if (this.#finalGranule !== null && granule < this.#finalGranule) {
        throw new MediaFormatError(
          'OPUS_BAD_GRANULE',
          `page ${page.sequence} goes back to granule position ${granule} from ${this.#finalGranule}`,
        );
      }
      this.#finalGranule = granule;
    }
    return packets.map((packet) => ({
      data: packet.data,
      samples: opusPacketSamples(packet.data),
      granulePosition: packet.granulePosition === null ? null : Number(packet.granulePosition),
    }));
  }
}

/** Reads a whole Ogg Opus stream, given as one buffer or as its chunks in order. */
export function readOggOpus(input: Uint8Array | Iterable<Uint8Array>): OggOpusStream {
  const reader = new OggOpusReader();
  const packets: OggOpusPacket[] = [];
  for (const chunk of input instanceof Uint8Array ? [input] : input) packets.push(...reader.push(chunk));
  reader.end();
  const { head, tags, serial } = reader;
  // end() has thrown unless both headers were read; this narrows the types.
  if (head === null || tags === null || serial === null) {
    throw new MediaFormatError('OPUS_BAD_HEAD', 'the stream has no headers');
  }
  return {
    serial,
    head,
    tags,
    packets,
    finalGranule: reader.finalGranule,
    duration: reader.duration,
    ended: reader.ended,
  };
}
