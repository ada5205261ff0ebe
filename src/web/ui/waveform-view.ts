import { LitElement, css, html } from 'lit';

/** `<sotto-waveform>`: bars for levels in 0..1, oldest first (a live meter history or a message's waveform). */
export class WaveformView extends LitElement {
  static override properties = { values: { attribute: false }, label: {} };
  /** Bar heights, 0..1. */
  declare values: readonly number[];
  /** Accessible name. */
  declare label: string;

  constructor() {
    super();
    this.values = [];
    this.label = 'Waveform';
  }

  override render() {
    return html`<div class="bars" role="img" aria-label=${this.label}>
      ${this.values.map((value) => html`<span style="height: ${Math.max(4, Math.round(value * 100))}%"></span>`)}
    </div>`;
  }

  static override styles = css`
    :host {
      display: block;
      height: 3rem;
    }
    .bars {
      display: flex;
      align-items: center;
      gap: 2px;
      height: 100%;
      overflow: hidden;
    }
    span {
      flex: 0 0 3px;
      border-radius: 2px;
      background: currentColor;
      opacity: 0.7;
    }
  `;
}

customElements.define('sotto-waveform', WaveformView);
