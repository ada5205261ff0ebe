import { LitElement, css, html } from 'lit';
import './mic-check';
import './sotto-recorder';

/** `<sotto-app>`: the application shell. */
export class SottoApp extends LitElement {
  override render() {
    return html`
      <header><h1>Sotto</h1></header>
      <main>
        <p>Voice messages, end-to-end encrypted, never lost.</p>
        <sotto-recorder></sotto-recorder>
        <sotto-mic-check></sotto-mic-check>
      </main>
      <footer><a href="/licenses/opus-recorder.txt">Third-party licences</a></footer>
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
    main {
      display: grid;
      gap: 1.5rem;
    }
    footer {
      margin-top: 2rem;
      font-size: 0.85rem;
      opacity: 0.7;
    }
  `;
}

customElements.define('sotto-app', SottoApp);
