// The media layer's public surface: Ogg framing, Ogg Opus mux/demux, OpusHead, waveform, duration.
export * from './duration';
export * from './errors';
export * from './ogg';
export * from './ogg-opus';
export * from './ogg-opus-reader';
export * from './opus-head';
export * from './opus-packet';
export * from './waveform';
