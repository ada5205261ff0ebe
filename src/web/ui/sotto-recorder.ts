import { LitElement, css, html, nothing } from 'lit';
import { PRESETS } from '../../shared/audio/presets';
import { meterPosition } from '../audio/levels';
import { Recorder } from '../audio/recorder';
import type { EndReason, Recording, RecorderState } from '../audio/recorder';
import { LIMIT_WARNING_MS, loadSettings, parseUrlFlags, saveSettings } from '../audio/settings';
import type { RecorderSettings, UrlFlags } from '../audio/settings';
import { diagnosticsEnabled } from '../audio/diagnostics';
import { installAudioDiagnostics } from './audio-diagnostics';
import { formatDuration } from './format';
import './recorder-settings';
import type { RecorderSettingsPanel } from './recorder-settings';
import './sotto-preview';
import type { SottoPreview } from './sotto-preview';
import './waveform-view';

/** Bars in the live meter history (20 ms each: the last 1.6 s). */
const LIVE_BARS = 80;

const END_NOTICES: Record<EndReason, string | null> = {
  stopped: null,
  limit: 'Maximum length reached — the recording was stopped and kept.',
  'device-lost': 'The microphone was disconnected — what was recorded until then is kept.',
};

/**
 * `<sotto-recorder>`: record (press to start, press to stop), pause/resume, cancel, a live level
 * history and timer, then a preview of the result.
 */
export class SottoRecorder extends LitElement {
  static override properties = {
    state: { state: true },
    elapsedMs: { state: true },
    levels: { state: true },
    settings: { state: true },
    warning: { state: true },
    notice: { state: true },
    error: { state: true },
    recording: { state: true },
  };
  declare state: RecorderState['type'];
  declare elapsedMs: number;
  declare levels: readonly number[];
  declare settings: RecorderSettings;
  declare warning: string | null;
  declare notice: string | null;
  declare error: string | null;
  declare recording: Recording | null;
  readonly #recorder = new Recorder();
  readonly #flags: UrlFlags = parseUrlFlags(location.search);
  readonly #diagnostics = diagnosticsEnabled();

  constructor() {
    super();
    this.state = 'idle';
    this.elapsedMs = 0;
    this.levels = [];
    this.settings = loadSettings();
    this.warning = null;
    this.notice = null;
    this.error = null;
    this.recording = null;
    const recorder = this.#recorder;
    recorder.on('state', (state) => {
      this.state = state;
    });
    recorder.on('progress', ({ recordedMs, levels }) => {
      this.elapsedMs = recordedMs;
      this.levels = [...this.levels, ...levels.map(meterPosition)].slice(-LIVE_BARS);
    });
    recorder.on('warning', ({ remainingMs }) => {
      this.warning = `${Math.round(remainingMs / 1000)} seconds left — the recording stops at ${formatDuration(this.#flags.maxDurationMs)}.`;
    });
    recorder.on('finished', (recording) => {
      this.recording = recording;
      this.notice = END_NOTICES[recording.endReason];
      this.warning = null;
    });
    recorder.on('error', ({ message }) => {
      this.error = message;
      this.warning = null;
    });
    if (this.#diagnostics) {
      installAudioDiagnostics({
        recorder,
        recording: () => this.recording,
        player: () => this.renderRoot.querySelector<SottoPreview>('sotto-preview')?.player ?? null,
      });
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    void this.#recorder.dispose();
  }

  async #start(): Promise<void> {
    this.error = null;
    this.notice = null;
    this.warning = null;
    this.recording = null;
    this.elapsedMs = 0;
    this.levels = [];
    const { presetId, ...constraints } = this.settings;
    await this.#recorder.start({
      preset: PRESETS[presetId],
      constraints,
      encoder: this.#flags.encoder,
      maxDurationMs: this.#flags.maxDurationMs,
      warningMs: LIMIT_WARNING_MS,
      keepInput: this.#diagnostics,
    });
    this.renderRoot
      .querySelector<RecorderSettingsPanel>('sotto-recorder-settings')
      ?.refreshDevices()
      .catch(() => undefined);
  }

  #toggleRecord(): void {
    // Busy states are aria-disabled rather than disabled, so the button keeps keyboard focus.
    if (this.state === 'idle') void this.#start();
    else if (this.state === 'recording' || this.state === 'paused') void this.#recorder.stop();
  }

  #togglePause(): void {
    if (this.state === 'recording') this.#recorder.pause();
    else this.#recorder.resume();
  }

  #onSettings(event: CustomEvent<RecorderSettings>): void {
    this.settings = event.detail;
    saveSettings(event.detail);
  }

  override render() {
    const { state } = this;
    const active = state === 'recording' || state === 'paused';
    const encoder = this.#recorder.encoder;
    return html`
      <sotto-recorder-settings
        .settings=${this.settings}
        ?disabled=${state !== 'idle'}
        @settings-change=${this.#onSettings}
      ></sotto-recorder-settings>
      <div class="controls">
        <button
          class="record"
          @click=${this.#toggleRecord}
          aria-disabled=${state === 'requesting' || state === 'stopping' ? 'true' : 'false'}
          aria-pressed=${active ? 'true' : 'false'}
        >
          ${active ? 'Stop recording' : 'Record'}
        </button>
        ${
          active
            ? html`<button @click=${this.#togglePause}>${state === 'paused' ? 'Resume' : 'Pause'}</button>
                <button @click=${() => void this.#recorder.cancel()}>Cancel</button>`
            : nothing
        }
        <span class="timer" role="timer" aria-label="Recorded time"
          >${formatDuration(this.elapsedMs, true)}</span
        >
        <span class="status" data-state=${state}
          >${state === 'paused' ? 'Paused' : state === 'requesting' ? 'Waiting for the microphone…' : ''}</span
        >
      </div>
      <sotto-waveform class="live" .values=${this.levels} label="Live input level"></sotto-waveform>
      ${encoder === null ? nothing : html`<p class="hint" data-encoder=${encoder}>Encoder: ${encoder === 'webcodecs' ? 'WebCodecs' : 'WebAssembly'}</p>`}
      ${this.warning === null ? nothing : html`<p class="warning" role="alert">${this.warning}</p>`}
      ${this.notice === null ? nothing : html`<p class="notice" role="status">${this.notice}</p>`}
      ${this.error === null ? nothing : html`<p class="error" role="alert">${this.error}</p>`}
      ${
        this.recording === null
          ? nothing
          : html`<sotto-preview .recording=${this.recording} decoder=${this.#flags.decoder}></sotto-preview>`
      }
    `;
  }

  static override styles = css`
    :host {
      display: grid;
      gap: 0.75rem;
    }
    .controls {
      display: flex;
      gap: 0.5rem;
      align-items: center;
      flex-wrap: wrap;
    }
    button {
      font: inherit;
      padding: 0.6rem 1rem;
      border-radius: 999px;
      border: 1px solid currentColor;
      background: transparent;
      cursor: pointer;
    }
    .record[aria-disabled='true'] {
      opacity: 0.6;
      cursor: progress;
    }
    .record[aria-pressed='true'] {
      background: #c0392b;
      border-color: #c0392b;
      color: white;
    }
    .timer {
      font-variant-numeric: tabular-nums;
      font-size: 1.25rem;
    }
    .live {
      color: #2e9e6a;
    }
    .warning {
      color: #b9770e;
      margin: 0;
    }
    .error {
      color: #c0392b;
      margin: 0;
    }
    .hint,
    .notice {
      margin: 0;
      opacity: 0.8;
    }
  `;
}

customElements.define('sotto-recorder', SottoRecorder);
