// Cost of activate(): the bundled extension is loaded and activated in plain Node against a
// stand-in `vscode` module whose every call returns at once, so the figure is flamelens' own
// work (module loading, registrations) without VS Code's. Median of 20 fresh loads.
import Module from 'node:module';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

const API_NAMES = [
  'window',
  'workspace',
  'commands',
  'languages',
  'extensions',
  'Uri',
  'EventEmitter',
  'TreeItem',
  'TreeItemCollapsibleState',
  'ThemeIcon',
  'MarkdownString',
  'CodeLens',
  'Range',
  'Position',
  'Hover',
  'ViewColumn',
  'ProgressLocation',
  'ConfigurationTarget',
  'OverviewRulerLane',
  'Disposable',
  'env',
  'StatusBarAlignment',
  'ThemeColor',
];

function stub(): unknown {
  const fn = function () {
    return proxy;
  };
  const proxy: unknown = new Proxy(fn, {
    get(_t, prop) {
      if (prop === 'then') return undefined;
      if (prop === Symbol.iterator) return function* () {};
      if (prop === Symbol.toPrimitive) return () => '';
      if (prop === 'fsPath' || prop === 'path') return '/tmp/flamelens-bench';
      return proxy;
    },
    apply: () => proxy,
    set: () => true, // e.g. statusBarItem.name = …
    // esbuild's ESM interop copies the module's own property names.
    ownKeys: () => ['prototype', ...API_NAMES],
    getOwnPropertyDescriptor: (t, prop) =>
      prop === 'prototype'
        ? Reflect.getOwnPropertyDescriptor(t, prop)
        : { configurable: true, enumerable: true, value: proxy },
    construct: () => proxy as object,
  });
  return proxy;
}

const vscodeStub = stub();
type Loader = (request: string, parent: unknown, isMain: boolean) => unknown;
const mod = Module as unknown as { _load: Loader };
const original = mod._load;
mod._load = function (request: string, parent: unknown, isMain: boolean) {
  if (request === 'vscode') return vscodeStub;
  return original.call(this, request, parent, isMain);
};

const file = path.join(ROOT, 'dist', 'extension.js');
const times: number[] = [];
const loadTimes: number[] = [];
for (let i = 0; i < 20; i++) {
  delete require.cache[require.resolve(file)];
  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh load of the bundle each round is the point
  const ext = require(file) as { activate(ctx: unknown): unknown };
  const t1 = performance.now();
  const context = {
    subscriptions: [] as unknown[],
    extensionUri: vscodeStub,
    globalState: vscodeStub,
    workspaceState: vscodeStub,
    globalStorageUri: { fsPath: '/tmp/flamelens-bench' },
    extension: { packageJSON: { version: 'bench' } },
  };
  ext.activate(context);
  times.push(performance.now() - t0);
  loadTimes.push(t1 - t0);
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `activate(): module load ${med(loadTimes).toFixed(1)} ms + activate, total median ${med(times).toFixed(1)} ms of 20 (first load ${times[0].toFixed(1)} ms)`,
);
// The stand-in answers every setting with a truthy value, so features that are off by default
// (the Prometheus exporter) start listeners here; they are not part of the figure. End now.
process.exit(0);
