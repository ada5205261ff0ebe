/** The client engine and its ports (runtime-free; adapters live in src/web and src/node). */
export * from './connection';
export * from './contacts';
export * from './draft';
export * from './engine';
export * from './errors';
export * from './identity';
export * from './memory-store';
export type * from './ports';
export type { Rejection } from './receiver';
export type { UploadCounters } from './uploader';
