import { LitElement, css, html } from 'lit';
import { PRESETS, isPresetId } from '../../shared/audio/presets';
import type { RecorderSettings } from '../audio/settings';

type ToggleKey = 'echoCancellation' | 'noiseSuppression' | 'autoGainControl';

const TOGGLES: readonly [ToggleKey, string][] = [
  ['echoCancellation', 'Echo cancellation'],
  ['noiseSuppression', 'Noise suppression'],
  ['autoGainControl', 'Auto gain control'],
];

/**
 * `<sotto-recorder-settings>`: microphone, processing toggles and quality preset. Fires
 * `settings-change` (detail: the new `RecorderSettings`) on every edit.
 */
export class RecorderSettingsPanel extends LitElement {
  static override properties = {
    settings: { attribute: false },
    disabled: { type: Boolean },
    devices: { state: true },
  };
  /** The settings shown. */
  declare settings: RecorderSettings;
  /** Locked while recording. */
  declare disabled: boolean;
  declare devices: readonly MediaDeviceInfo[];
  readonly #refresh = (): void => void this.refreshDevices();

  constructor() {
    super();
    this.disabled = false;
    this.devices = [];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    navigator.mediaDevices.addEventListener('devicechange', this.#refresh);
    void this.refreshDevices();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    navigator.mediaDevices.removeEventListener('devicechange', this.#refresh);
  }

  /** Re-reads the inputs (their names appear once the microphone was allowed). */
  async refreshDevices(): Promise<void> {
    try {
      const all = await navigator.mediaDevices.enumerateDevices();
      this.devices = all.filter((device) => device.kind === 'audioinput' && device.deviceId !== '');
    } catch {
      this.devices = [];
    }
  }

  #change(settings: RecorderSettings): void {
    this.dispatchEvent(new CustomEvent<RecorderSettings>('settings-change', { detail: settings }));
  }

  #onDevice(event: Event): void {
    const { deviceId: _previous, ...rest } = this.settings;
    const value = (event.target as HTMLSelectElement).value;
    this.#change(value === '' ? rest : { ...rest, deviceId: value });
  }

  #onPreset(event: Event): void {
    const value = (event.target as HTMLSelectElement).value;
    if (isPresetId(value)) this.#change({ ...this.settings, presetId: value });
  }

  #onToggle(key: ToggleKey, event: Event): void {
    this.#change({ ...this.settings, [key]: (event.target as HTMLInputElement).checked });
  }

  override render() {
    const { settings, disabled } = this;
    return html`
      <details>
        <summary>Recording settings</summary>
        <label
          >Microphone
          <select ?disabled=${disabled} @change=${this.#onDevice}>
            <option value="" ?selected=${settings.deviceId === undefined}>Default microphone</option>
            ${this.devices.map(
              (device, i) =>
                html`<option value=${device.deviceId} ?selected=${device.deviceId === settings.deviceId}>
                  ${device.label === '' ? `Microphone ${i + 1}` : device.label}
                </option>`,
            )}
          </select>
        </label>
        <label
          >Quality
          <select ?disabled=${disabled} @change=${this.#onPreset}>
            ${Object.values(PRESETS).map(
              (preset) =>
                html`<option value=${preset.id} ?selected=${preset.id === settings.presetId}>
                  ${preset.label}
                </option>`,
            )}
          </select>
        </label>
        ${TOGGLES.map(
          ([key, label]) =>
            html`<label class="toggle"
              ><input
                type="checkbox"
                .checked=${settings[key]}
                ?disabled=${disabled}
                @change=${(event: Event) => {
                  this.#onToggle(key, event);
                }}
              />
              ${label}</label
            >`,
        )}
      </details>
    `;
  }

  static override styles = css`
    details {
      display: grid;
      gap: 0.5rem;
    }
    summary {
      cursor: pointer;
    }
    label {
      display: flex;
      gap: 0.5rem;
      align-items: center;
      margin-top: 0.5rem;
    }
    select {
      font: inherit;
    }
  `;
}

customElements.define('sotto-recorder-settings', RecorderSettingsPanel);
