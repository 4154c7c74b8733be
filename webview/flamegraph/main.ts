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
import '../shared/base.css';
import '../shared/flameChart.css';
import './style.css';
import type { FirstView } from '../../src/core/analysis/cpu/profileSession';
import { profileFromJson, type ProfileJson } from '../../src/core/model/profile';
import { el, vscodeApi } from '../shared/dom';
import { FlameApp } from './flameApp';
import { reportTransport, vscodeTransport, type ReportEntry } from './transport';

function boot(): void {
  const app = document.getElementById('app') ?? document.body;
  const api = vscodeApi();
  if (api) {
    new FlameApp(app, vscodeTransport(api));
    return;
  }
  const firstEl = document.getElementById('flamelens-first');
  const first = firstEl ? (JSON.parse(firstEl.textContent ?? '[]') as FirstView[]) : [];
  // The profiles are parsed when first needed (after the first view is drawn, where the report
  // carries one): on a million samples that parse is most of the page's start.
  type Embedded = { title: string; profile: ProfileJson; defLines?: [string, number][] };
  let parsed: Embedded[] | undefined;
  // Looked up when needed: with a first view the data comes after this script in the page.
  const embedded = () => {
    const dataEl = document.getElementById('flamelens-data');
    return (parsed ??= dataEl ? (JSON.parse(dataEl.textContent ?? '[]') as Embedded[]) : []);
  };
  const titles = first.length > 0 ? first.map((f) => f.summary.title) : embedded().map((p) => p.title);
  const profiles: ReportEntry[] = titles.map((title, i) => ({
    title,
    first: first[i],
    load: () => {
      const p = embedded()[i];
      if (!p) throw new Error(`the report holds no profile number ${i + 1}`);
      return { profile: profileFromJson(p.profile), defLines: new Map(p.defLines ?? []) };
    },
  }));
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
    new FlameApp(app, reportTransport(profiles[index]), picker);
  };
  start(0);
}

boot();
