// Ogg framing (RFC 3533): page codec, incremental writer and readers, for one logical stream.
export { oggCrc32 } from './ogg-crc';
export {
  FLAG_BOS,
  FLAG_CONTINUED,
  FLAG_EOS,
  NO_GRANULE,
  OGG_HEADER_BYTES,
  OGG_MAX_PAGE_BYTES,
  OGG_MAX_SEGMENTS,
  decodePage,
  encodePage,
  pageByteLength,
} from './ogg-page';
export type { DecodedPage, OggPage } from './ogg-page';
export { OggPacketReader, OggPageReader, readOggPackets, readOggPages } from './ogg-reader';
export type { OggPacket } from './ogg-reader';
export { OggWriter } from './ogg-writer';
export type { OggWriterOptions } from './ogg-writer';
