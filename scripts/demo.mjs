// `npm run demo`: the main job end to end. Builds flamelens, profiles the programs in
// examples/ with the built-in sampler (no py-spy needed), writes demo-out/report.html (one
// self-contained page with the flame graphs and hot-path tables), prints the hot paths, and
// runs and compares the example benchmarks (examples/bench), and packages the extension as
// flamelens.vsix.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(ROOT);
const OUT = path.join(ROOT, 'demo-out');
const python = process.env.FLAMELENS_PYTHON ?? 'python3';

function run(cmd, args, opts = {}) {
  console.log(`\n$ ${[cmd, ...args].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
  const r = spawnSync(cmd, args, {
    stdio: ['ignore', opts.capture ? 'pipe' : 'inherit', 'inherit'],
    encoding: 'utf8',
    ...opts,
  });
  if (r.status !== 0) {
    console.error(`demo: ${cmd} failed (exit ${r.status})`);
    process.exit(1);
  }
  return r.stdout ?? '';
}

run('npm', ['run', 'build']);
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const profiles = [];
for (const [script, arg] of [
  ['matrix_work.py', '150'],
  ['text_stats.py', '40'],
]) {
  const out = path.join(OUT, script.replace(/\.py$/, '.folded'));
  run(
    process.execPath,
    [
      path.join(ROOT, 'dist', 'cli.js'),
      'record',
      '--sampler',
      'builtin',
      '--rate',
      '200',
      '-o',
      out,
      '--',
      python,
      path.join(ROOT, 'examples', script),
      arg,
    ],
    { cwd: OUT, capture: true },
  );
  profiles.push(out);
}
const report = path.join(OUT, 'report.html');
run(process.execPath, ['dist/cli.js', 'report', ...profiles, '-o', report]);
for (const p of profiles) run(process.execPath, ['dist/cli.js', 'analyze', p, '--top', '8']);
// Benchmarks: examples/bench in a git repository of its own, saved as the baseline "main", then
// measured interleaved against its own commit (bench --against HEAD), as CI would against the
// base branch: unchanged code, so the honest answer is "no change" (or, on a very noisy machine,
// how large a change it could have seen).
const bench = path.join(OUT, 'bench');
cpSync(path.join(ROOT, 'examples', 'bench'), bench, {
  recursive: true,
  filter: (f) => !f.includes('.flamelens') && !f.includes('__pycache__'),
});
writeFileSync(path.join(bench, '.gitignore'), '.flamelens/\n__pycache__/\n');
const git = (...args) => spawnSync('git', args, { cwd: bench, stdio: 'ignore' }).status === 0;
const inGit =
  git('init', '-q') &&
  git('add', '-A') &&
  git('-c', 'user.email=demo@example.invalid', '-c', 'user.name=flamelens demo', 'commit', '-qm', 'demo');
run(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'bench', '--save-baseline', 'main', '--python', python], {
  cwd: bench,
});
if (!inGit) cpSync(bench, `${bench}-baseline`, { recursive: true, filter: (f) => !f.includes('.flamelens') });
run(
  process.execPath,
  [path.join(ROOT, 'dist', 'cli.js'), 'bench', '--against', inGit ? 'HEAD' : `${bench}-baseline`, '--python', python],
  { cwd: bench },
);
run('npm', ['run', 'package']);
console.log(
  `\ndemo: report ${path.relative(ROOT, report)} (${(statSync(report).size / 1024).toFixed(0)} KiB), runs in ${path.relative(ROOT, path.join(OUT, '.flamelens', 'runs'))}/, extension flamelens.vsix (${(statSync('flamelens.vsix').size / 1024).toFixed(0)} KiB)`,
);
console.log(
  'demo: open demo-out/report.html in a browser, or install the VSIX: code --install-extension flamelens.vsix',
);
