// The player: Ogg Opus decoded by us (never by the browser's Ogg support), played by an
// <audio> element from a WAV blob, which gives seeking and pitch-preserving speed for free.
import { encodeWav, pcmDurationMs } from '../../shared/audio/pcm';
import { decodeOggOpus } from './decode';
import type { DecodedAudio } from './decode';
import { Emitter } from '../../shared/emitter';
import { bindMediaSession, updateMediaSession } from './media-session';
import type { MediaSessionTarget } from './media-session';
import type { DecoderChoice } from './settings';

/** The speeds the player offers. */
export const SPEEDS = [0.5, 1, 1.5, 2] as const;
/** One of `SPEEDS`. */
export type Speed = (typeof SPEEDS)[number];

/** The player's lifecycle. */
export type PlayerState =
  | { readonly type: 'empty' }
  | { readonly type: 'loading' }
  | { readonly type: 'paused' }
  | { readonly type: 'playing' }
  | { readonly type: 'error'; readonly message: string };

/** Events of a `Player`. */
export interface PlayerEvents {
  /** The state changed. */
  state: PlayerState;
  /** Playback position moved (about once per animation frame while playing, and on seeks). */
  position: { readonly positionMs: number; readonly durationMs: number };
}

/** Plays one voice message at a time. */
export class Player extends Emitter<PlayerEvents> implements MediaSessionTarget {
  readonly #audio = new Audio();
  #state: PlayerState = { type: 'empty' };
  #decoded: DecodedAudio | null = null;
  #url: string | null = null;
  #speed: Speed = 1;
  #frame = 0;
  #releaseSession: (() => void) | null = null;
  #loads = 0;

  readonly #decoder: DecoderChoice;

  constructor(decoder: DecoderChoice = 'auto') {
    super();
    this.#decoder = decoder;
    this.#audio.preload = 'auto';
    this.#audio.preservesPitch = true;
    this.#audio.addEventListener('ended', () => {
      this.#setState({ type: 'paused' });
      this.#reportPosition();
    });
    this.#audio.addEventListener('pause', () => {
      if (this.#state.type === 'playing') this.#setState({ type: 'paused' });
    });
    this.#audio.addEventListener('seeked', () => {
      this.#reportPosition();
    });
  }

  /** The current state. */
  get state(): PlayerState {
    return this.#state;
  }

  /** The decoded audio of what is loaded (diagnostics and tests read it). */
  get decoded(): DecodedAudio | null {
    return this.#decoded;
  }

  /** Playable length of what is loaded. */
  get durationMs(): number {
    return this.#decoded === null ? 0 : pcmDurationMs(this.#decoded);
  }

  /** What the listener hears, after the speed change and its pitch correction (diagnostics record it). */
  captureOutput(): MediaStream {
    // Chromium and Firefox implement captureStream on media elements; lib.dom does not declare it.
    return (this.#audio as HTMLAudioElement & { captureStream(): MediaStream }).captureStream();
  }

  /** Playback position. */
  get positionMs(): number {
    return this.#audio.currentTime * 1000;
  }

  /** Playback speed. */
  get speed(): Speed {
    return this.#speed;
  }

  /** Decodes and loads an Ogg Opus file; resolves when it can play. */
  async load(bytes: Uint8Array, title = 'Voice message'): Promise<void> {
    const load = ++this.#loads;
    this.unload();
    this.#setState({ type: 'loading' });
    try {
      const decoded = await decodeOggOpus(bytes, this.#decoder);
      const url = URL.createObjectURL(new Blob([encodeWav(decoded)], { type: 'audio/wav' }));
      if (load !== this.#loads) {
        URL.revokeObjectURL(url);
        return;
      }
      this.#decoded = decoded;
      this.#url = url;
      const ready = new Promise<void>((resolve, reject) => {
        this.#audio.addEventListener(
          'loadedmetadata',
          () => {
            resolve();
          },
          { once: true },
        );
        this.#audio.addEventListener(
          'error',
          () => {
            reject(new Error('the audio element refused the WAV'));
          },
          {
            once: true,
          },
        );
      });
      this.#audio.src = url;
      this.#audio.playbackRate = this.#speed;
      await ready;
      if (load !== this.#loads) return;
      this.#releaseSession = bindMediaSession(this, title);
      this.#setState({ type: 'paused' });
      this.#reportPosition();
    } catch (error) {
      if (load !== this.#loads) return;
      this.#setState({
        type: 'error',
        message: `This message cannot be played: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }

  /** Starts or continues playback (from the start once it has ended). */
  play(): void {
    if (this.#state.type !== 'paused') return;
    if (this.#audio.ended) this.#audio.currentTime = 0;
    this.#setState({ type: 'playing' });
    this.#audio.play().catch((error: unknown) => {
      this.#setState({ type: 'error', message: `Playback was blocked: ${String(error)}` });
    });
    this.#tick();
  }

  /** Pauses playback. */
  pause(): void {
    if (this.#state.type !== 'playing') return;
    this.#audio.pause();
    // Report where it stopped now, not one animation frame later.
    cancelAnimationFrame(this.#frame);
    this.#reportPosition();
    this.#setState({ type: 'paused' });
  }

  /** Moves to `positionMs` (clamped to the message). */
  seek(positionMs: number): void {
    if (this.#decoded === null) return;
    this.#audio.currentTime = Math.max(0, Math.min(positionMs, this.durationMs)) / 1000;
    this.#reportPosition();
  }

  /** Sets the speed; the pitch stays the same. */
  setSpeed(speed: Speed): void {
    this.#speed = speed;
    this.#audio.playbackRate = speed;
    updateMediaSession(this, this.#state.type === 'playing');
  }

  /** Releases what is loaded; idempotent. */
  unload(): void {
    this.#audio.pause();
    this.#audio.removeAttribute('src');
    this.#audio.load();
    if (this.#url !== null) URL.revokeObjectURL(this.#url);
    this.#url = null;
    this.#decoded = null;
    this.#releaseSession?.();
    this.#releaseSession = null;
    cancelAnimationFrame(this.#frame);
    if (this.#state.type !== 'empty') this.#setState({ type: 'empty' });
  }

  #tick(): void {
    cancelAnimationFrame(this.#frame);
    const step = (): void => {
      this.#reportPosition();
      if (this.#state.type === 'playing') this.#frame = requestAnimationFrame(step);
    };
    this.#frame = requestAnimationFrame(step);
  }

  #reportPosition(): void {
    this.emit('position', { positionMs: this.positionMs, durationMs: this.durationMs });
  }

  #setState(state: PlayerState): void {
    this.#state = state;
    updateMediaSession(this, state.type === 'playing');
    this.emit('state', state);
  }
}
