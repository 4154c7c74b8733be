import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import * as mocha from 'mocha';
import type { FlamelensApi } from '../../../../src/extension/extension';
import type { RunEntry } from '../../../../src/core/model/run';
import { listRuns } from '../../../../src/core/store/runStore';
import { customEditorTab, waitFor } from './wait';

const EXT_ID = 'flamelens.flamelens';

function workspace(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the test workspace is open');
  return f.uri.fsPath;
}

async function lensesOf(file: string): Promise<vscode.CodeLens[]> {
  const uri = vscode.Uri.file(file);
  await vscode.workspace.openTextDocument(uri);
  for (let i = 0; i < 40; i++) {
    const lenses =
      (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    const ours = lenses.filter((l) => l.command?.title.startsWith('$(flame) '));
    if (ours.length > 0) return ours;
    await new Promise((r) => setTimeout(r, 250));
  }
  return [];
}

export function registerProfilingSuite(): void {
  mocha.suite('flamelens: CPU profiling in the extension host', () => {
    let api: FlamelensApi;

    mocha.test(
      'activates after the editor has started (onStartupFinished, never "*"), and its commands are there',
      async () => {
        const ext = vscode.extensions.getExtension<FlamelensApi>(EXT_ID);
        assert.ok(ext, 'flamelens is installed');
        const pkg = ext.packageJSON as { activationEvents?: string[] };
        assert.ok(!(pkg.activationEvents ?? []).includes('*'));
        assert.ok(
          (pkg.activationEvents ?? []).includes('onStartupFinished'),
          'the GPU readout needs the extension once the editor is up',
        );
        const contributed = (
          ext.packageJSON as { contributes: { commands: { command: string }[] } }
        ).contributes.commands.map((c) => c.command);
        assert.ok(contributed.includes('flamelens.profileCurrentFile'));
        await vscode.commands.executeCommand('flamelens.refreshRuns');
        assert.equal(ext.isActive, true);
        const cmds = await vscode.commands.getCommands(true);
        for (const c of contributed) assert.ok(cmds.includes(c), `${c} is registered`);
        api = ext.exports;
      },
    );

    mocha.test(
      'Profile Python Command runs the built-in sampler, saves the run, and writes lenses and heat',
      async () => {
        const ws = workspace();
        const run = await vscode.commands.executeCommand<RunEntry>('flamelens.profileCommand', {
          script: 'matrix_work.py',
          args: ['60'],
        });
        assert.ok(run, 'the run completed');
        assert.equal(run.meta.status, 'completed');
        assert.equal(run.meta.sampler, 'builtin', 'py-spy is not installed here');
        assert.ok(run.meta.fallbackReason?.includes('pip install py-spy'));
        assert.ok(run.dir.startsWith(path.join(ws, '.flamelens', 'runs')));
        const meta = JSON.parse(await fs.readFile(path.join(run.dir, 'run.json'), 'utf8'));
        assert.equal(meta.status, 'completed');
        assert.ok(meta.samples > 0);
        assert.match(meta.pythonVersion, /^3\./);
        assert.ok(meta.interpreter);

        const lenses = await lensesOf(path.join(ws, 'matrix_work.py'));
        const multiply = lenses.find((l) => l.range.start.line === 7);
        assert.ok(
          multiply,
          `a lens above "def multiply" (line 8); got ${lenses.map((l) => `${l.range.start.line + 1}: ${l.command?.title}`).join(', ')}`,
        );
        assert.match(multiply.command!.title, /^\$\(flame\) \d+\.\d% total · \d+\.\d% self · [\d,]+ samples?$/);
        assert.ok(!lenses.some((l) => l.range.start.line === 0 && /module/.test(l.command?.title ?? '')));

        const doc = await vscode.workspace.openTextDocument(path.join(ws, 'matrix_work.py'));
        const heated = api.profiling.hotPaths.heatedLines(doc);
        assert.ok(
          heated.some((l) => l >= 14 && l <= 19),
          `the inner loop of multiply is heated: ${heated.join(',')}`,
        );
        const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
          'vscode.executeHoverProvider',
          doc.uri,
          new vscode.Position(heated[0] - 1, 4),
        );
        const text = hovers
          .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value)))
          .join('\n')
          .replace(/&nbsp;/g, ' ')
          .replace(/\\(.)/g, '$1');
        assert.match(text, /flamelens.*line \d+: \d+\.\d% total \([\d,]+ samples?\), \d+\.\d% self/s);

        const items = await api.profiling.runs.getChildren();
        assert.ok(
          items.some((i) => i.run.dir === run.dir),
          'the runs view lists the run',
        );
        assert.ok(
          api.profiling.panelTitles().some((t) => t.includes('matrix_work.py')),
          'a flame graph panel opened',
        );
      },
    );

    mocha.test(
      'Get started: each walkthrough step links a command that exists; Open the Example opens the program outside the workspace and keeps edits',
      async () => {
        const ext = vscode.extensions.getExtension(EXT_ID)!;
        const walk = ext.packageJSON.contributes.walkthroughs[0] as {
          steps: { description: string; media: { markdown: string }; completionEvents: string[] }[];
        };
        assert.equal(walk.steps.length, 3);
        const commands = await vscode.commands.getCommands(true);
        for (const step of walk.steps) {
          const linked = [...step.description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]);
          assert.equal(linked.length, 1, step.description);
          assert.ok(commands.includes(linked[0]), `${linked[0]} is registered`);
          assert.deepEqual(step.completionEvents, [`onCommand:${linked[0]}`]);
          await fs.access(path.join(ext.extensionPath, step.media.markdown));
        }
        await vscode.commands.executeCommand('flamelens.openExample');
        const doc = vscode.window.activeTextEditor?.document;
        assert.ok(doc && doc.uri.fsPath.endsWith(path.join('example', 'matrix_work.py')), doc?.uri.fsPath);
        assert.ok(!doc.uri.fsPath.startsWith(workspace()), 'not written into the workspace');
        assert.match(doc.getText(), /^def multiply\(a, b\):$/m);
        // Edited and saved in the editor, as a user does (a write behind VS Code's back reaches
        // its open document only when its file watcher notices, which is a race on a busy machine).
        const edited = `# my note\n${doc.getText()}`;
        assert.ok(
          await vscode.window.activeTextEditor!.edit((e) => e.insert(new vscode.Position(0, 0), '# my note\n')),
        );
        assert.ok(await doc.save(), 'saved');
        await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
        await vscode.commands.executeCommand('flamelens.openExample');
        assert.equal(await fs.readFile(doc.uri.fsPath, 'utf8'), edited, 'a second open leaves the file as saved');
        assert.equal(vscode.window.activeTextEditor?.document.getText(), edited, 'a second open keeps the edit');
        await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      },
    );

    mocha.test('Toggle hides and shows lenses and heat', async () => {
      const file = path.join(workspace(), 'matrix_work.py');
      await vscode.commands.executeCommand('flamelens.toggleHotPaths');
      const doc = await vscode.workspace.openTextDocument(file);
      const hidden = (
        (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)) ?? []
      ).filter((l) => l.command?.title.startsWith('$(flame) '));
      assert.equal(hidden.length, 0);
      assert.deepEqual(api.profiling.hotPaths.heatedLines(doc), []);
      await vscode.commands.executeCommand('flamelens.toggleHotPaths');
      assert.ok((await lensesOf(file)).length > 0);
    });

    mocha.test('Stop Profiling cancels a run, ends the program and keeps the samples', async () => {
      const ws = workspace();
      const pending = vscode.commands.executeCommand<RunEntry>('flamelens.profileCommand', {
        script: 'matrix_work.py',
        args: ['100000'],
      });
      // Stop once the sampler has written samples (it flushes what it has every two seconds).
      await waitFor(async () => {
        const runs = await listRuns(ws);
        const running = runs.find((r) => r.meta.status === 'running' && r.meta.name === 'matrix_work.py');
        const size = running
          ? (await fs.stat(path.join(running.dir, 'profile.folded')).catch(() => undefined))?.size
          : 0;
        return size && size > 0 ? true : undefined;
      }, 'the running sampler to write its first samples');
      await vscode.commands.executeCommand('flamelens.stop');
      const run = await pending;
      assert.ok(run, 'a cancelled run still produces a profile');
      assert.equal(run.meta.status, 'cancelled');
      assert.ok((run.meta.samples ?? 0) > 10, `${run.meta.samples} samples kept`);
      assert.ok(run.dir.startsWith(ws));
    });

    mocha.test('A profile recorded on another machine maps onto workspace files', async () => {
      const ws = workspace();
      // A real built-in sampler profile recorded in another folder (paths /work/main/examples/...).
      const src = path.join(ws, 'recorded-elsewhere.folded');
      const runDir = path.join(ws, '.flamelens', 'runs', '20000101-000000-000-elsewhere');
      await fs.mkdir(runDir, { recursive: true });
      await fs.copyFile(src, path.join(runDir, 'profile.folded'));
      await fs.writeFile(
        path.join(runDir, 'run.json'),
        JSON.stringify({
          schema: 1,
          id: '20000101-000000-000-elsewhere',
          name: 'elsewhere',
          kind: 'cpu',
          createdAt: '2000-01-01T00:00:00.000Z',
          status: 'completed',
          command: [],
          cwd: '/elsewhere',
          sampler: 'builtin',
          rateHz: 100,
          output: 'profile.folded',
          format: 'collapsed',
        }),
      );
      await vscode.commands.executeCommand('flamelens.openRun', runDir);
      const lenses = await lensesOf(path.join(ws, 'matrix_work.py'));
      const active = api.profiling.hotPaths.activeFor(ws);
      assert.equal(active?.runDir, runDir);
      assert.ok(
        lenses.some((l) => l.range.start.line === 7),
        `mapped by the file name and path suffix; lenses: ${lenses.map((l) => `${l.range.start.line + 1}: ${l.command?.title}`).join(', ')}`,
      );
    });

    mocha.test(
      'A run from a cloned repository whose name is hostile: lenses, hovers and the runs view show it as text',
      async () => {
        const ws = workspace();
        const hostile = 'evil\u202Efdp [click](command:workbench.action.quit) $(alert) <img src=x onerror=alert(1)>';
        const runDir = path.join(ws, '.flamelens', 'runs', '20000101-000001-000-hostile');
        await fs.mkdir(runDir, { recursive: true });
        await fs.copyFile(path.join(ws, 'recorded-elsewhere.folded'), path.join(runDir, 'profile.folded'));
        await fs.writeFile(
          path.join(runDir, 'run.json'),
          JSON.stringify({
            schema: 1,
            id: '20000101-000001-000-hostile',
            name: hostile,
            kind: 'cpu',
            createdAt: '2000-01-01T00:00:01.000Z',
            status: 'completed',
            command: ['python', hostile],
            cwd: '/elsewhere',
            sampler: 'builtin',
            rateHz: 100,
            output: 'profile.folded',
            format: 'collapsed',
          }),
        );
        await vscode.commands.executeCommand('flamelens.openRun', runDir);
        const file = path.join(ws, 'matrix_work.py');
        const lenses = await lensesOf(file);
        assert.ok(lenses.length > 0);
        for (const l of lenses) {
          // The lens's own flame codicon is the one icon allowed, before any text from the run.
          const shown = `${l.command?.title ?? ''} ${l.command?.tooltip ?? ''}`.replace(/^\$\(flame\) /, '');
          assert.ok(shown.includes('evil⟨U+202E⟩fdp'), shown);
          assert.ok(!shown.includes('\u202E'), 'no raw right-to-left override');
          assert.ok(!shown.includes('](') && !shown.includes('$('), 'no link or icon syntax left intact');
        }
        const doc = await vscode.workspace.openTextDocument(file);
        const heated = api.profiling.hotPaths.heatedLines(doc);
        const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
          'vscode.executeHoverProvider',
          doc.uri,
          new vscode.Position(heated[0] - 1, 4),
        );
        const ours = hovers
          .flatMap((h) => h.contents)
          .filter(
            (c): c is vscode.MarkdownString =>
              typeof c !== 'string' && (c as vscode.MarkdownString).value?.includes('flamelens'),
          );
        assert.equal(ours.length, 1);
        const md = ours[0];
        assert.ok(!md.isTrusted && !md.supportHtml, 'the hover runs no command and renders no HTML');
        assert.ok(md.value.replace(/\\(.)/g, '$1').includes('⟨U+202E⟩') && !md.value.includes('\u202E'), md.value);
        assert.ok(!/[^\\]\[click\]\(command:/.test(md.value), `the link is escaped: ${md.value}`);
        const item = (await api.profiling.runs.getChildren()).find((i) => i.run.dir === runDir);
        assert.ok(item, 'listed in the runs view');
        assert.ok(String(item.label).startsWith('evil⟨U+202E⟩fdp'), String(item.label));
        const tip = item.tooltip as vscode.MarkdownString;
        assert.ok(
          !tip.isTrusted &&
            tip.value.replace(/\\(.)/g, '$1').includes('⟨U+202E⟩') &&
            !tip.value.includes('\u202E') &&
            !/[^\\]\[click\]\(command:/.test(tip.value),
          tip.value,
        );
      },
    );

    mocha.test(
      'Profile files open in the flame graph custom editor; bad files show the error, not a crash',
      async () => {
        const ws = workspace();
        const good = vscode.Uri.file(path.join(ws, 'recorded-elsewhere.folded'));
        await vscode.commands.executeCommand('flamelens.openProfile', good);
        const tab = await customEditorTab('flamelens.profile', good.fsPath);
        assert.equal((tab.input as vscode.TabInputCustom).viewType, 'flamelens.profile');
        const bad = vscode.Uri.file(path.join(ws, 'broken.folded'));
        await fs.writeFile(bad.fsPath, 'a;b 1\nno count here\n');
        await vscode.commands.executeCommand('vscode.openWith', bad, 'flamelens.profile');
        // The editor resolved (it read the file and shows the reader's error) and is the active tab.
        await customEditorTab('flamelens.profile', bad.fsPath);
        assert.ok(vscode.extensions.getExtension(EXT_ID)?.isActive, 'the extension is still alive');
        assert.equal(await fs.readFile(bad.fsPath, 'utf8'), 'a;b 1\nno count here\n', 'the file is untouched');
      },
    );

    mocha.test(
      'py-spy from flamelens.pyspy.path records in either format (stand-in replaying real output)',
      async () => {
        const standIn = process.env.FLAMELENS_STANDIN_PYSPY;
        assert.ok(standIn, 'the driver passes the stand-in py-spy');
        const cfg = vscode.workspace.getConfiguration('flamelens');
        await cfg.update('pyspy.path', standIn, vscode.ConfigurationTarget.Global);
        try {
          const raw = await vscode.commands.executeCommand<RunEntry>('flamelens.profileCommand', {
            script: 'matrix_work.py',
            args: ['3'],
          });
          assert.equal(raw?.meta.sampler, 'py-spy');
          assert.equal(raw?.meta.samplerVersion, '0.4.2');
          assert.equal(raw?.meta.format, 'collapsed');
          assert.equal(raw?.meta.samples, 535);
          await cfg.update('pyspy.format', 'speedscope', vscode.ConfigurationTarget.Global);
          const ss = await vscode.commands.executeCommand<RunEntry>('flamelens.profileCommand', {
            script: 'matrix_work.py',
            args: ['3'],
          });
          assert.equal(ss?.meta.format, 'speedscope');
          assert.equal(ss?.meta.output, 'profile.speedscope.json');
          assert.equal(ss?.meta.samples, 10181);
        } finally {
          await cfg.update('pyspy.path', undefined, vscode.ConfigurationTarget.Global);
          await cfg.update('pyspy.format', undefined, vscode.ConfigurationTarget.Global);
        }
      },
    );

    mocha.test('Attach without py-spy explains the fix instead of failing silently', async () => {
      const before = (await api.profiling.runs.getChildren()).length;
      const result = await vscode.commands.executeCommand('flamelens.attach', process.pid);
      assert.equal(result, undefined);
      const items = await api.profiling.runs.getChildren();
      const failed = items.find((i) => i.run.meta.status === 'failed');
      assert.ok(items.length === before + 1 && failed, 'the failed attempt is recorded');
      assert.match(failed.run.meta.message ?? '', /py-spy was not found.*pip install py-spy/);
    });
  });
}
