import { LitElement, css, html } from 'lit';
import './mic-check';

/** `<sotto-app>`: the application shell. */
export class SottoApp extends LitElement {
  override render() {
    return html`
      <header><h1>Sotto</h1></header>
      <main>
        <p>Voice messages, end-to-end encrypted, never lost.</p>
        <sotto-mic-check></sotto-mic-check>
      </main>
    `;
  }

  static override styles = css`
    :host {
      display: block;
      max-width: 40rem;
      margin: 0 auto;
      padding: 1rem;
    }
    h1 {
      font-size: 1.5rem;
      margin: 0 0 1rem;
    }
  `;
}

customElements.define('sotto-app', SottoApp);
