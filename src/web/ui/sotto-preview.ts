import { LitElement, css, html, nothing } from 'lit';
import type { PropertyValues } from 'lit';
import { WAVEFORM_MAX_VALUE } from '../../shared/media/waveform';
import { Player, SPEEDS } from '../audio/player';
import type { PlayerState, Speed } from '../audio/player';
import type { Recording } from '../audio/recorder';
import type { DecoderChoice } from '../audio/settings';
import { formatDuration } from './format';
import './waveform-view';

/** A file name like `sotto-2025-01-31-142501.opus`. */
function fileName(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `sotto-${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}-${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}.opus`;
}

/** `<sotto-preview>`: plays back a just-made recording (play/pause, seek, speed) and offers it as a file. */
export class SottoPreview extends LitElement {
  static override properties = {
    recording: { attribute: false },
    decoder: {},
    playerState: { state: true },
    positionMs: { state: true },
    durationMs: { state: true },
    speed: { state: true },
  };
  /** The recording to preview. */
  declare recording: Recording | null;
  /** Decoder path (`?decoder=` flag). */
  declare decoder: DecoderChoice;
  declare playerState: PlayerState;
  declare positionMs: number;
  declare durationMs: number;
  declare speed: Speed;
  #player: Player | null = null;
  #downloadUrl: string | null = null;
  #unsubscribe: (() => void)[] = [];

  constructor() {
    super();
    this.recording = null;
    this.decoder = 'auto';
    this.playerState = { type: 'empty' };
    this.positionMs = 0;
    this.durationMs = 0;
    this.speed = 1;
  }

  /** The player (diagnostics read what it decoded). */
  get player(): Player | null {
    return this.#player;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#release();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('recording')) return;
    this.#release();
    const { recording } = this;
    if (recording === null) return;
    this.#downloadUrl = URL.createObjectURL(new Blob([recording.bytes], { type: 'audio/ogg; codecs=opus' }));
    const player = new Player(this.decoder);
    this.#player = player;
    this.#unsubscribe = [
      player.on('state', (state) => {
        this.playerState = state;
      }),
      player.on('position', ({ positionMs, durationMs }) => {
        this.positionMs = positionMs;
        this.durationMs = durationMs;
      }),
    ];
    player.setSpeed(this.speed);
    void player.load(recording.bytes, 'Your recording');
  }

  #release(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
    this.#player?.unload();
    this.#player = null;
    if (this.#downloadUrl !== null) URL.revokeObjectURL(this.#downloadUrl);
    this.#downloadUrl = null;
  }

  #togglePlay(): void {
    if (this.playerState.type === 'playing') this.#player?.pause();
    else this.#player?.play();
  }

  #setSpeed(speed: Speed): void {
    this.speed = speed;
    this.#player?.setSpeed(speed);
  }

  override render() {
    const { recording, playerState } = this;
    if (recording === null) return nothing;
    const ready = playerState.type === 'paused' || playerState.type === 'playing';
    const playing = playerState.type === 'playing';
    const waveform = Array.from(recording.waveform, (value) => value / WAVEFORM_MAX_VALUE);
    return html`
      <section aria-label="Preview">
        <sotto-waveform .values=${waveform} label="Waveform of the recording"></sotto-waveform>
        <div class="row">
          <button @click=${this.#togglePlay} ?disabled=${!ready} aria-pressed=${playing ? 'true' : 'false'}>
            ${playing ? 'Pause' : 'Play'}
          </button>
          <input
            type="range"
            aria-label="Playback position"
            min="0"
            max=${Math.max(1, Math.round(this.durationMs))}
            step="10"
            .value=${String(Math.round(this.positionMs))}
            ?disabled=${!ready}
            @input=${(event: Event) => {
              this.#player?.seek(Number((event.target as HTMLInputElement).value));
            }}
          />
          <span class="time">${formatDuration(this.positionMs)} / ${formatDuration(this.durationMs)}</span>
        </div>
        <div class="row" role="group" aria-label="Playback speed">
          ${SPEEDS.map(
            (speed) =>
              html`<button
                class="speed"
                aria-pressed=${speed === this.speed ? 'true' : 'false'}
                @click=${() => {
                  this.#setSpeed(speed);
                }}
              >
                ${speed}×
              </button>`,
          )}
          <a class="download" href=${this.#downloadUrl ?? ''} download=${fileName(new Date())}
            >Download .opus</a
          >
        </div>
        ${playerState.type === 'loading' ? html`<p class="hint">Preparing playback…</p>` : nothing}
        ${playerState.type === 'error' ? html`<p class="error" role="alert">${playerState.message}</p>` : nothing}
      </section>
    `;
  }

  static override styles = css`
    section {
      display: grid;
      gap: 0.5rem;
    }
    .row {
      display: flex;
      gap: 0.5rem;
      align-items: center;
      flex-wrap: wrap;
    }
    input[type='range'] {
      flex: 1;
    }
    button {
      font: inherit;
      padding: 0.3rem 0.8rem;
      border-radius: 999px;
      border: 1px solid currentColor;
      background: transparent;
      cursor: pointer;
    }
    button[aria-pressed='true'].speed {
      background: color-mix(in srgb, currentColor 20%, transparent);
    }
    .time {
      font-variant-numeric: tabular-nums;
    }
    .error {
      color: #c0392b;
      margin: 0;
    }
    .hint {
      margin: 0;
      opacity: 0.7;
    }
  `;
}

customElements.define('sotto-preview', SottoPreview);
