import { LitElement, css, html, nothing } from 'lit';
import {
  startCapture,
  recycleFrame,
  explainMicrophoneError,
  type Capture,
  type CaptureOutMessage,
} from '../audio/capture';
import { SampleTap, diagnosticsEnabled } from '../audio/diagnostics';
import { meterPosition } from '../audio/levels';

/** Rate the check runs at; the recorder will use the encoder's rate (48 kHz standard preset). */
const CHECK_SAMPLE_RATE = 48_000;

type MicCheckState =
  | { type: 'idle' }
  | { type: 'requesting' }
  | { type: 'live'; capture: Capture; level: number }
  | { type: 'error'; message: string };

/**
 * `<sotto-mic-check>`: asks for the microphone only when pressed, then shows a live input level
 * computed by the capture worklet.
 */
export class MicCheck extends LitElement {
  static override properties = { state: { state: true } };
  declare state: MicCheckState;

  constructor() {
    super();
    this.state = { type: 'idle' };
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    void this.stop();
  }

  private async start(): Promise<void> {
    if (this.state.type === 'requesting' || this.state.type === 'live') return;
    this.state = { type: 'requesting' };
    const channel = new MessageChannel();
    const tap = diagnosticsEnabled() ? new SampleTap(CHECK_SAMPLE_RATE) : null;
    let framesReceived = 0;
    let samplesDropped = 0;
    channel.port1.onmessage = (event: MessageEvent<CaptureOutMessage>) => {
      const message = event.data;
      if (message.type !== 'frame') return;
      framesReceived++;
      samplesDropped = message.dropped;
      tap?.push(message.samples);
      if (this.state.type === 'live') this.state = { ...this.state, level: message.level };
      recycleFrame(channel.port1, message.samples);
    };
    try {
      const capture = await startCapture(
        { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
        CHECK_SAMPLE_RATE,
        channel.port2,
      );
      this.state = { type: 'live', capture, level: 0 };
      if (tap !== null) {
        window.sottoDiagnostics = {
          sampleRate: capture.sampleRate,
          get framesReceived() {
            return framesReceived;
          },
          get samplesDropped() {
            return samplesDropped;
          },
          recentSamples: () => Array.from(tap.recent()),
        };
      }
    } catch (error) {
      channel.port1.close();
      this.state = { type: 'error', message: explainMicrophoneError(error).message };
    }
  }

  private async stop(): Promise<void> {
    if (this.state.type !== 'live') return;
    const { capture } = this.state;
    this.state = { type: 'idle' };
    await capture.close();
  }

  override render() {
    const { state } = this;
    const live = state.type === 'live';
    const position = live ? meterPosition(state.level) : 0;
    return html`
      <button
        @click=${() => (live ? this.stop() : this.start())}
        ?disabled=${state.type === 'requesting'}
        aria-pressed=${live ? 'true' : 'false'}
      >
        ${live ? 'Stop microphone check' : 'Check microphone'}
      </button>
      <div
        class="meter"
        role="meter"
        aria-label="Input level"
        aria-valuemin="0"
        aria-valuemax="100"
        aria-valuenow=${Math.round(position * 100)}
        data-active=${live && position > 0 ? 'true' : 'false'}
      >
        <div class="fill" style="transform: scaleX(${position})"></div>
      </div>
      ${state.type === 'requesting' ? html`<p class="hint">Waiting for microphone permission…</p>` : nothing}
      ${state.type === 'error' ? html`<p class="error" role="alert">${state.message}</p>` : nothing}
    `;
  }

  static override styles = css`
    :host {
      display: grid;
      gap: 0.75rem;
    }
    button {
      font: inherit;
      padding: 0.6rem 1rem;
      border-radius: 999px;
      border: 1px solid currentColor;
      background: transparent;
      cursor: pointer;
      justify-self: start;
    }
    .meter {
      height: 0.75rem;
      border-radius: 0.375rem;
      background: color-mix(in srgb, currentColor 15%, transparent);
      overflow: hidden;
    }
    .fill {
      height: 100%;
      background: #2e9e6a;
      transform-origin: left;
      transition: transform 50ms linear;
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

customElements.define('sotto-mic-check', MicCheck);
