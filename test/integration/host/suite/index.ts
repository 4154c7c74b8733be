// Entry point of the integration suites, in the shape @vscode/test-electron expects of
// extensionTestsPath: `run()` runs mocha (TDD interface) in the extension host and resolves to
// the number of failures. The outcome of each test is also kept in `report` for the driver.
import Mocha from 'mocha';
import { registerProfilingSuite } from './profiling.test';
import { registerTorchSuite } from './torch.test';
import { registerGpuSuite } from './gpu.test';
import { registerNsightSuite } from './nsight.test';
import { registerBenchSuite } from './bench.test';
import { registerLensOrderSuite } from './lensOrder.test';

export const report: string[] = [];

export function run(): Promise<number> {
  const mocha = new Mocha({ ui: 'tdd', timeout: 120_000, color: false, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'integration', mocha);
  registerProfilingSuite();
  registerTorchSuite();
  registerGpuSuite();
  registerNsightSuite();
  registerBenchSuite();
  registerLensOrderSuite();
  return new Promise((resolve) => {
    const runner = mocha.run((failures) => resolve(failures));
    runner.on('pass', (t) => report.push(`ok - ${t.fullTitle()} (${t.duration ?? 0} ms)`));
    runner.on('fail', (t, err: Error) =>
      report.push(
        `not ok - ${t.fullTitle()}\n    ${String(err?.stack ?? err)
          .split('\n')
          .slice(0, 6)
          .join('\n    ')}`,
      ),
    );
  });
}
