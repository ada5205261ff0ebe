/** Stable codes of malformed or unsupported Ogg / Opus input. */
export type MediaFormatErrorCode =
  /** A page does not start with the `OggS` capture pattern. */
  | 'OGG_BAD_CAPTURE'
  /** A page has a stream structure version other than 0. */
  | 'OGG_BAD_VERSION'
  /** A page sets header-type bits that RFC 3533 leaves reserved. */
  | 'OGG_BAD_FLAGS'
  /** A page's CRC-32 does not match its bytes. */
  | 'OGG_BAD_CRC'
  /** The input ends inside a page or inside a packet. */
  | 'OGG_TRUNCATED'
  /** Page sequence numbers are not consecutive (a page was lost or reordered). */
  | 'OGG_BAD_SEQUENCE'
  /** A page belongs to another logical stream (multiplexed or chained Ogg is not supported). */
  | 'OGG_BAD_SERIAL'
  /** The continued-packet flag disagrees with whether a packet was left open. */
  | 'OGG_BAD_CONTINUATION'
  /** The first page lacks the BOS flag, or a later page has it. */
  | 'OGG_BAD_BOS'
  /** A page follows the end-of-stream page. */
  | 'OGG_AFTER_EOS'
  /** The OpusHead identification header is missing or malformed. */
  | 'OPUS_BAD_HEAD'
  /** The OpusTags comment header is missing or malformed. */
  | 'OPUS_BAD_TAGS'
  /** Headers and audio share a page, against RFC 7845 §3. */
  | 'OPUS_BAD_LAYOUT'
  /** An audio packet is empty or its table-of-contents byte is inconsistent. */
  | 'OPUS_BAD_PACKET'
  /** Granule positions go backwards, overflow, or end before the pre-skip. */
  | 'OPUS_BAD_GRANULE'
  /** A valid stream uses a feature this layer does not implement (e.g. a channel mapping family ≠ 0). */
  | 'OPUS_UNSUPPORTED';

/** Malformed or unsupported Ogg / Opus bytes; `code` is stable, `message` says what and where. */
export class MediaFormatError extends Error {
  /** Stable machine-readable reason. */
  readonly code: MediaFormatErrorCode;

  constructor(code: MediaFormatErrorCode, message: string) {
    super(message);
    this.name = 'MediaFormatError';
    this.code = code;
  }
}

/** A writer was used after `finish()`. */
export class InvalidStateError extends Error {
  /** Stable machine-readable reason. */
  readonly code = 'INVALID_STATE';

  constructor(message: string) {
    super(message);
    this.name = 'InvalidStateError';
  }
}
