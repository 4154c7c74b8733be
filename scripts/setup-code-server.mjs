// Installs the test VS Code (code-server 4.100.3, VS Code 1.100.3) into .vscode-test/ when it
// is not there yet, offline-safe: @vscode/ripgrep's postinstall would download rg from the
// internet, so its cache is filled first with the system's rg (Debian package ripgrep).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const DIR = path.join(ROOT, '.vscode-test', `code-server-${CODE_SERVER_VERSION}`);
const RIPGREP_VERSIONS = ['1.15.9', '1.15.10', '1.15.11', '1.15.12', '1.15.13', '1.15.14', '1.17.0', '1.17.1'];

export function codeServerEntry() {
  const entry = path.join(DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (!existsSync(entry)) throw new Error(`code-server is not installed; run node scripts/setup-code-server.mjs`);
  return entry;
}

function which(cmd) {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

export function setupCodeServer() {
  const marker = path.join(DIR, '.installed');
  if (existsSync(marker)) return DIR;
  const rg = which('rg');
  if (!rg) throw new Error('ripgrep (rg) is needed to install code-server offline: apt-get install ripgrep');
  const stage = path.join(tmpdir(), `flamelens-rg-${process.pid}`);
  mkdirSync(stage, { recursive: true });
  copyFileSync(rg, path.join(stage, 'rg'));
  const tarball = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';
  for (const v of RIPGREP_VERSIONS) {
    const cache = path.join(tmpdir(), `vscode-ripgrep-cache-${v}`);
    mkdirSync(cache, { recursive: true });
    if (!existsSync(path.join(cache, tarball)))
      execFileSync('tar', ['czf', path.join(cache, tarball), '-C', stage, 'rg']);
  }
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  writeFileSync(
    path.join(DIR, 'package.json'),
    JSON.stringify({ name: 'flamelens-test-vscode', version: '1.0.0', private: true }),
  );
  console.error(
    `[setup] installing code-server ${CODE_SERVER_VERSION} into ${path.relative(ROOT, DIR)} (about a minute)…`,
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', `code-server@${CODE_SERVER_VERSION}`], {
    cwd: DIR,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      npm_config_yes: 'true',
      npm_config_unsafe_perm: 'true',
      // npm 11 skips dependencies' install scripts unless allowed; code-server needs its
      // native modules (node-pty, spdlog, watcher) built.
      npm_config_dangerously_allow_all_scripts: 'true',
    },
  });
  writeFileSync(marker, new Date().toISOString());
  return DIR;
}

if (import.meta.url === `file://${process.argv[1]}`) setupCodeServer();
