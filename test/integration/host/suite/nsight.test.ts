import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import * as mocha from 'mocha';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { FlamelensApi } from '../../../../src/extension/extension';
import type { RunEntry } from '../../../../src/core/model/run';

// The stand-in nsys and ncu (test/fixtures/bin, replaying the real H100 SQLite export and the real
// RTX 5070 ncu rows) are given as flamelens.nsys.path / flamelens.ncu.path, as a user without them
// on the extension host's PATH would; FLAMELENS_STANDIN_BIN is their folder.
export function registerNsightSuite(): void {
  mocha.suite('flamelens: Nsight Systems and Nsight Compute in the extension host', () => {
    const api = () => vscode.extensions.getExtension<FlamelensApi>('flamelens.flamelens')!.exports;
    const bin = process.env.FLAMELENS_STANDIN_BIN!;
    const cfg = () => vscode.workspace.getConfiguration('flamelens');
    const ws = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

    mocha.suiteSetup(async () => {
      await cfg().update('nsys.path', path.join(bin, 'nsys'), vscode.ConfigurationTarget.Global);
      await cfg().update('ncu.path', path.join(bin, 'ncu'), vscode.ConfigurationTarget.Global);
      await fs.writeFile(path.join(ws(), 'cuda_prog.py'), 'print("training step")\n');
    });
    mocha.suiteTeardown(async () => {
      for (const k of ['nsys.path', 'ncu.path', 'nsys.trace', 'ncu.launchCount'])
        await cfg().update(k, undefined, vscode.ConfigurationTarget.Global);
    });

    mocha.test(
      'Profile with Nsight Systems runs nsys on the command, records the run and opens the report',
      async () => {
        await cfg().update('nsys.trace', 'cuda,nvtx', vscode.ConfigurationTarget.Global);
        const run = await vscode.commands.executeCommand<RunEntry>('flamelens.profileNsys', {
          command: ['python3', 'cuda_prog.py'],
        });
        assert.ok(run, 'the run finished');
        assert.deepEqual(
          [run.meta.kind, run.meta.status, run.meta.output, run.meta.sampler],
          ['nsys', 'completed', 'report.sqlite', 'nsys'],
          run.meta.message,
        );
        assert.equal(run.meta.samplerVersion, '2026.2.1.210-262137639646v0');
        const files = (await fs.readdir(run.dir)).sort();
        assert.deepEqual(files, ['report.nsys-rep', 'report.sqlite', 'run.json']);
        // The setting reached nsys: the stand-in's report records the trace it was given.
        assert.match(await fs.readFile(path.join(run.dir, 'report.nsys-rep'), 'utf8'), /"trace":"cuda,nvtx"/);
        assert.ok(api().nsight.panelTitles().includes('🟩 report.sqlite'));
        const item = (await api().profiling.runs.getChildren()).find((i) => i.run.dir === run.dir);
        assert.equal(item?.command?.command, 'flamelens.openNsightReport');
        assert.match(String(item?.description), /Nsight Systems/);
      },
    );

    mocha.test(
      'Profile Kernels with Nsight Compute passes the kernel filter and launch count; no match is a clear state',
      async () => {
        await cfg().update('ncu.launchCount', 1, vscode.ConfigurationTarget.Global);
        const run = await vscode.commands.executeCommand<RunEntry>('flamelens.profileNcu', {
          command: ['python3', 'cuda_prog.py'],
          kernelRegex: 'saxpy|gemm',
        });
        assert.equal(run?.meta.status, 'completed', run?.meta.message);
        const details = await fs.readFile(path.join(run.dir, 'report.details.csv'), 'utf8');
        assert.match(details, /saxpy_kernel/);
        assert.doesNotMatch(details, /gemm_tiled_kernel/, 'launch count 1: only the first matching launch');
        assert.ok((await fs.readdir(run.dir)).includes('report.raw.csv'));
        const none = await vscode.commands.executeCommand<RunEntry>('flamelens.profileNcu', {
          command: ['python3', 'cuda_prog.py'],
          kernelRegex: 'flash_attn',
        });
        assert.equal(none?.meta.status, 'completed');
        assert.match(none?.meta.message ?? '', /No kernels matched/);
      },
    );

    mocha.test(
      'Open Profile… on a .nsys-rep opens the Nsight view through nsys export; without nsys the run fails with the fix',
      async () => {
        const run = (await api().profiling.runs.getChildren()).find((i) => i.run.meta.kind === 'nsys')!.run;
        const copy = path.join(ws(), 'copied.nsys-rep');
        await fs.copyFile(path.join(run.dir, 'report.nsys-rep'), copy);
        await vscode.commands.executeCommand('flamelens.openProfile', vscode.Uri.file(copy));
        assert.ok(api().nsight.panelTitles().includes('🟩 copied.nsys-rep'));
        assert.deepEqual(
          (await fs.readdir(ws())).filter((f) => f.startsWith('copied')),
          ['copied.nsys-rep'],
          'the export is not written beside the report',
        );
        await cfg().update('nsys.path', '/opt/nvidia/no-nsys-here/nsys', vscode.ConfigurationTarget.Global);
        try {
          const failed = await vscode.commands.executeCommand<RunEntry | undefined>('flamelens.profileNsys', {
            command: ['python3', 'cuda_prog.py'],
          });
          assert.equal(failed, undefined);
          const newest = (await api().profiling.runs.getChildren())[0].run;
          assert.equal(newest.meta.status, 'failed');
          assert.match(
            newest.meta.message ?? '',
            /Nsight Systems was not found at \/opt\/nvidia\/no-nsys-here\/nsys\. Install Nsight Systems/,
          );
        } finally {
          await cfg().update('nsys.path', path.join(bin, 'nsys'), vscode.ConfigurationTarget.Global);
        }
      },
    );
  });
}
