/**
 * The environment fingerprint recorded with every benchmark result: OS, CPU model and cores,
 * memory, Node, Python and torch/CUDA (from the benchmark helper), GPU names and driver
 * (nvidia-smi, when present), git commit, branch and whether tracked files have changes.
 * Each part is optional: a missing tool leaves its part out, it never fails the run.
 */
import * as os from 'node:os';
import { execa } from 'execa';
import type { EnvironmentFingerprint } from '../../model/bench';
import { findExecutable } from '../findTool';
import { isRecord } from '../../formats/jsonDocument';

export interface FingerprintOptions {
  cwd: string;
  python?: string;
  helperScript?: string;
  nvidiaSmiPath?: string;
  env?: NodeJS.ProcessEnv;
}

async function output(
  file: string,
  args: string[],
  cwd: string,
  env?: NodeJS.ProcessEnv,
  timeout = 20_000,
): Promise<string | undefined> {
  const r = await execa(file, args, {
    cwd,
    env: env ?? process.env,
    extendEnv: false,
    reject: false,
    timeout,
    stdin: 'ignore',
  }).catch(() => undefined);
  return r && r.exitCode === 0 ? String(r.stdout) : undefined;
}

export async function gitInfo(cwd: string, env?: NodeJS.ProcessEnv): Promise<EnvironmentFingerprint['git']> {
  const commit = (await output('git', ['rev-parse', 'HEAD'], cwd, env))?.trim();
  if (!commit || !/^[0-9a-f]{7,64}$/.test(commit)) return undefined;
  const branch = (await output('git', ['rev-parse', '--abbrev-ref', 'HEAD'], cwd, env))?.trim();
  const status = await output('git', ['status', '--porcelain', '--untracked-files=no'], cwd, env);
  return {
    commit,
    branch: branch && branch !== 'HEAD' ? branch : undefined,
    dirty: status === undefined ? false : status.trim() !== '',
  };
}

export async function gpuInfo(
  nvidiaSmiPath: string | undefined,
  cwd: string,
  env?: NodeJS.ProcessEnv,
): Promise<EnvironmentFingerprint['gpus']> {
  const smi = await findExecutable('nvidia-smi', nvidiaSmiPath, env);
  if (!smi) return undefined;
  const text = await output(
    smi,
    ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader,nounits'],
    cwd,
    env,
    10_000,
  );
  if (!text) return undefined;
  const known = (c: string) => (c && !/^\[.*\]$|^N\/A$/i.test(c) ? c : '');
  const gpus = text
    .split(/\r?\n/)
    .map((l) => l.split(',').map((c) => known(c.trim())))
    .filter((c) => c.length >= 2 && c[0])
    .map(([name, driver, mem]) => ({ name, driver: driver || undefined, memoryMiB: Number(mem) || undefined }));
  return gpus.length ? gpus : undefined;
}

export async function pythonInfo(
  python: string,
  helperScript: string,
  cwd: string,
  env?: NodeJS.ProcessEnv,
): Promise<Pick<EnvironmentFingerprint, 'python' | 'torch'>> {
  const text = await output(python, [helperScript, 'fingerprint'], cwd, env, 60_000);
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text.trim().split('\n').pop() ?? '');
    if (!isRecord(v)) return {};
    const out: Pick<EnvironmentFingerprint, 'python' | 'torch'> = {};
    if (isRecord(v.python) && typeof v.python.version === 'string')
      out.python = v.python as EnvironmentFingerprint['python'];
    if (isRecord(v.torch) && typeof v.torch.version === 'string') {
      const t = v.torch;
      out.torch = {
        version: String(t.version),
        cuda: typeof t.cuda === 'string' ? t.cuda : undefined,
        cudnn: typeof t.cudnn === 'string' ? t.cudnn : undefined,
        cudaAvailable: t.cudaAvailable === true,
      };
    }
    return out;
  } catch {
    return {};
  }
}

export async function collectFingerprint(o: FingerprintOptions): Promise<EnvironmentFingerprint> {
  const cpus = os.cpus();
  const [git, gpus, py] = await Promise.all([
    gitInfo(o.cwd, o.env),
    gpuInfo(o.nvidiaSmiPath, o.cwd, o.env),
    o.python && o.helperScript ? pythonInfo(o.python, o.helperScript, o.cwd, o.env) : Promise.resolve({}),
  ]);
  return {
    os: { platform: process.platform, release: os.release(), arch: process.arch },
    hostname: os.hostname(),
    cpu: { model: cpus[0]?.model?.trim() ?? 'unknown', cores: cpus.length },
    memoryBytes: os.totalmem(),
    node: process.version,
    ...py,
    ...(gpus ? { gpus } : {}),
    ...(git ? { git } : {}),
  };
}
