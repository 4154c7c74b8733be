// Installs the system packages the tests need when they are missing: Debian's Chromium (the
// browser of the end-to-end tests), ripgrep (code-server's offline install), the headers
// code-server's native modules build against, python3, and an emoji font for screenshots.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// python3-torch: Debian's PyTorch 1.13 (CPU), for the capture tests of PyTorch traces;
// prometheus: a real Prometheus server for the exporter and cluster-view tests.
const PACKAGES = [
  'chromium',
  'ripgrep',
  'libkrb5-dev',
  'libxkbfile-dev',
  'libsecret-1-dev',
  'pkg-config',
  'python3',
  'python3-torch',
  'fonts-noto-color-emoji',
  'prometheus',
];

function installed(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

export function ensureSystemPackages() {
  if (process.platform !== 'linux' || !existsSync('/usr/bin/dpkg-query')) {
    console.error('[setup] not a Debian-like system: make sure chromium, ripgrep and python3 are installed');
    return;
  }
  const missing = PACKAGES.filter((p) => !installed(p));
  if (missing.length === 0) return;
  if (process.getuid && process.getuid() !== 0) {
    throw new Error(
      `missing system packages: ${missing.join(' ')}; install them with: sudo apt-get install -y ${missing.join(' ')}`,
    );
  }
  console.error(`[setup] apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) ensureSystemPackages();
