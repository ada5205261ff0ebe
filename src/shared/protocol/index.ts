/** Sotto wire protocol: inner frame types, binary codec, ids, limits and error codes (docs/PROTOCOL.md). */
export * from './codec';
export * from './errors';
export type * from './events';
export type * from './frames';
export * from './handshake';
export * from './ids';
export * from './limits';
export { FRAME_TYPE_CODES } from './schema';
