/**
 * The flame graph view. Renders what it is sent and posts back user intents; it never parses a
 * profile. In VS Code it talks to the extension host through postMessage; in the standalone
 * HTML report the same code answers its own requests from the embedded profile with the core's
 * ProfileSession. Every string from a profile is inserted as text, never as HTML.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import 'd3-flame-graph/dist/d3-flamegraph.css';
import '../shared/base.css';
import '../shared/flameChart.css';
import './style.css';
import { profileFromJson, type ProfileJson } from '../../src/core/model/profile';
import { el, vscodeApi } from '../shared/dom';
import { FlameApp } from './flameApp';
import { reportTransport, vscodeTransport } from './transport';

function boot(): void {
  const app = document.getElementById('app') ?? document.body;
  const api = vscodeApi();
  if (api) {
    new FlameApp(app, vscodeTransport(api));
    return;
  }
  const dataEl = document.getElementById('flamelens-data');
  const profiles = dataEl
    ? (
        JSON.parse(dataEl.textContent ?? '[]') as {
          title: string;
          profile: ProfileJson;
          defLines?: [string, number][];
        }[]
      ).map((p) => ({
        title: p.title,
        profile: profileFromJson(p.profile),
        defLines: new Map(p.defLines ?? []),
      }))
    : [];
  if (profiles.length === 0) {
    app.textContent = 'No profile data in this report.';
    return;
  }
  const start = (index: number) => {
    let picker: HTMLElement | undefined;
    if (profiles.length > 1) {
      const sel = el('select', { id: 'profile-select', 'aria-label': 'Profile' });
      profiles.forEach((p, i) => {
        const o = el('option', { value: String(i) }, p.title);
        if (i === index) o.selected = true;
        sel.append(o);
      });
      sel.addEventListener('change', () => start(Number(sel.value)));
      picker = sel;
    }
    new FlameApp(app, reportTransport(profiles, index), picker);
  };
  start(0);
}

boot();
