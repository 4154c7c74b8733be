// Lenses of two traces (or profiles, or snapshots) set one after the other, the first one's files
// found last (a slow workspace search): the lenses shown are the second's alone. They used to be
// both (the GPU and memory lenses shared one table while their files were found) or the first's
// (the CPU lenses were put in place by whichever ended last).
import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import * as mocha from 'mocha';
import { GpuLenses } from '../../../../src/extension/torch/gpuLenses';
import { MemoryLenses } from '../../../../src/extension/memory/memoryLenses';
import { HotPathsInEditor } from '../../../../src/extension/profiling/hotPathsInEditor';
import type { SourceLocator } from '../../../../src/extension/shared/sourceLocator';
import { parseProfile } from '../../../../src/core/formats/cpu/parseProfile';

/** Every recorded path resolves to `target`; those under slow/ only once `release` is called. */
function gatedLocator(target: string) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const locator = {
    resolve: async (file: string) => {
      if (file.startsWith('slow/')) await gate;
      return target;
    },
  } as unknown as SourceLocator;
  return { locator, release };
}

/** The titles of the lenses on `doc` by line (0-based). */
const byLine = (lenses: vscode.CodeLens[]) => lenses.map((l) => [l.range.start.line, l.command?.title ?? ''] as const);

export function registerLensOrderSuite(): void {
  mocha.suite('flamelens: lenses of the latest trace or profile set', () => {
    let file: string;
    let doc: vscode.TextDocument;
    mocha.suiteSetup(async () => {
      const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
      file = path.join(ws, 'lens_order.py');
      await fs.writeFile(file, 'def first():\n    pass\n\n\ndef second():\n    pass\n');
      doc = await vscode.workspace.openTextDocument(file);
    });

    mocha.test('GPU lenses: the second trace set shows its lenses alone', async () => {
      const { locator, release } = gatedLocator(file);
      const lenses = new GpuLenses(locator);
      const fn = (name: string, at: string, line: number) => ({
        name,
        file: `${at}/lens_order.py`,
        line,
        site: 'def' as const,
        gpuUs: 1000,
        launches: 3,
        kernels: 1,
        pct: 50,
      });
      const first = lenses.setActive('first trace', [fn('first', 'slow', 1)]);
      await lenses.setActive('second trace', [fn('second', 'fast', 5)]);
      release();
      await first;
      const shown = byLine(lenses.provideCodeLenses(doc));
      assert.equal(shown.length, 1, JSON.stringify(shown));
      assert.equal(shown[0][0], 4, 'on def second()');
      lenses.dispose();
    });

    mocha.test('memory lenses: the second snapshot set shows its lines alone', async () => {
      const { locator, release } = gatedLocator(file);
      const lenses = new MemoryLenses(locator);
      const line = (at: string, n: number) => ({
        file: `${at}/lens_order.py`,
        line: n,
        bytes: 2 ** 20,
        title: `▣ ${at}`,
        tooltip: at,
      });
      const first = lenses.setLines('first snapshot', [line('slow', 2)]);
      await lenses.setLines('second snapshot', [line('fast', 6)]);
      release();
      await first;
      assert.deepEqual(byLine(lenses.provideCodeLenses(doc)), [[5, '▣ fast']]);
      lenses.dispose();
    });

    mocha.test(
      'CPU lenses: the second profile set for the folder stays, and a clear wins over one still being set',
      async () => {
        const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
        const profile = (at: string, fn: string, line: number) =>
          parseProfile(`main (${at}/lens_order.py:1);${fn} (${at}/lens_order.py:${line}) 10\n`, `${at}.folded`);
        const memento = new Map<string, unknown>();
        const state = {
          get: (k: string, fallback?: unknown) => (memento.has(k) ? memento.get(k) : fallback),
          update: async (k: string, v: unknown) => void memento.set(k, v),
          keys: () => [...memento.keys()],
        } as unknown as vscode.Memento;
        const titles = (h: HotPathsInEditor) =>
          byLine(h.provideCodeLenses(doc))
            .filter(([, t]) => t.startsWith('$(flame)'))
            .map(([l]) => l);
        {
          const { locator, release } = gatedLocator(file);
          const hot = new HotPathsInEditor(locator, state);
          const first = hot.setActive({ folder, title: 'first', profile: profile('slow', 'first', 1) });
          await hot.setActive({ folder, title: 'second', profile: profile('fast', 'second', 5) });
          release();
          await first;
          assert.deepEqual(titles(hot), [4], 'the lens on def second() only');
          hot.dispose();
        }
        {
          const { locator, release } = gatedLocator(file);
          const hot = new HotPathsInEditor(locator, state);
          const set = hot.setActive({ folder, title: 'first', profile: profile('slow', 'first', 1) });
          hot.clear(folder);
          release();
          await set;
          assert.deepEqual(titles(hot), [], 'cleared');
          hot.dispose();
        }
      },
    );
  });
}
