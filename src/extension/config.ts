/**
 * Typed access to flamelens' settings, in one place. Settings that name programs to run are
 * read only from user/machine scope in an untrusted workspace (see
 * capabilities.untrustedWorkspaces.restrictedConfigurations in package.json).
 */
import * as vscode from 'vscode';
import type { SamplerChoice } from '../core/runners/cpu/recordProfile';

export interface ProfilerConfig {
  pythonPath: string;
  pyspyPath: string;
  sampler: SamplerChoice;
  rateHz: number;
  durationS: number;
  format: 'collapsed' | 'speedscope';
  subprocesses: boolean;
  native: boolean;
  idle: boolean;
  gil: boolean;
  threads: boolean;
}

export interface ViewConfig {
  hotPathsEnabled: boolean;
  minTotalPercent: number;
  lineHeatMaxLines: number;
  openSourceOnClick: boolean;
}

/** Settings whose change needs nothing but a refresh of the lenses and heat. */
export const VIEW_SETTINGS = ['flamelens.hotPaths', 'flamelens.lineHeat', 'flamelens.flameGraph'];

export function programSetting(cfg: vscode.WorkspaceConfiguration, key: string): string {
  if (vscode.workspace.isTrusted) return cfg.get<string>(key, '') ?? '';
  const inspected = cfg.inspect<string>(key);
  return inspected?.globalValue ?? inspected?.defaultValue ?? '';
}

export function profilerConfig(scope?: vscode.ConfigurationScope): ProfilerConfig {
  const c = vscode.workspace.getConfiguration('flamelens', scope);
  const rate = c.get<number>('profiler.rate', 100);
  return {
    pythonPath: programSetting(c, 'python.path'),
    pyspyPath: programSetting(c, 'pyspy.path'),
    sampler: c.get<SamplerChoice>('profiler.sampler', 'auto'),
    rateHz: rate > 0 && rate <= 10000 ? rate : 100,
    durationS: Math.max(0, c.get<number>('profiler.duration', 0)),
    format: c.get<'collapsed' | 'speedscope'>('pyspy.format', 'collapsed'),
    subprocesses: c.get<boolean>('pyspy.subprocesses', false),
    native: c.get<boolean>('pyspy.native', false),
    idle: c.get<boolean>('profiler.idle', false),
    gil: c.get<boolean>('pyspy.gil', false),
    threads: c.get<boolean>('pyspy.threads', true),
  };
}

export function viewConfig(scope?: vscode.ConfigurationScope): ViewConfig {
  const c = vscode.workspace.getConfiguration('flamelens', scope);
  return {
    hotPathsEnabled: c.get<boolean>('hotPaths.enabled', true),
    minTotalPercent: Math.max(0, c.get<number>('hotPaths.minTotalPercent', 1)),
    lineHeatMaxLines: Math.max(0, c.get<number>('lineHeat.maxLines', 25)),
    openSourceOnClick: c.get<boolean>('flameGraph.openSourceOnClick', true),
  };
}

export interface NsightConfig {
  nsysPath: string;
  nsysTrace: string;
  nsysExtraArgs: string[];
  ncuPath: string;
  ncuSet: string;
  ncuSections: string[];
  ncuLaunchCount: number;
  ncuExtraArgs: string[];
}

function programArgs(cfg: vscode.WorkspaceConfiguration, key: string): string[] {
  const inspected = cfg.inspect<string[]>(key);
  const v = vscode.workspace.isTrusted ? cfg.get<string[]>(key, []) : (inspected?.globalValue ?? []);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function nsightConfig(scope?: vscode.ConfigurationScope): NsightConfig {
  const c = vscode.workspace.getConfiguration('flamelens', scope);
  const count = c.get<number>('ncu.launchCount', 20);
  return {
    nsysPath: programSetting(c, 'nsys.path'),
    nsysTrace: c.get<string>('nsys.trace', 'cuda,nvtx,osrt') || 'cuda,nvtx,osrt',
    nsysExtraArgs: programArgs(c, 'nsys.extraArgs'),
    ncuPath: programSetting(c, 'ncu.path'),
    ncuSet: c.get<string>('ncu.set', 'detailed') || 'detailed',
    ncuSections: (c.get<string[]>('ncu.sections', []) ?? []).filter((x) => typeof x === 'string' && x.trim()),
    ncuLaunchCount: Number.isInteger(count) && count > 0 ? count : 20,
    ncuExtraArgs: programArgs(c, 'ncu.extraArgs'),
  };
}

export interface BenchSettings {
  /** Baseline the regression lenses compare with ('' = the config's, else the newest saved). */
  baseline: string;
  threshold: number;
  alpha: number;
  lenses: boolean;
}

export function benchSettings(scope?: vscode.ConfigurationScope): BenchSettings {
  const c = vscode.workspace.getConfiguration('flamelens', scope);
  const t = c.get<number>('bench.threshold', 5);
  const a = c.get<number>('bench.alpha', 0.01);
  return {
    baseline: (c.get<string>('bench.baseline', '') ?? '').trim(),
    threshold: typeof t === 'number' && t >= 0 && t < 100 ? t / 100 : 0.05,
    alpha: typeof a === 'number' && a > 0 && a < 0.5 ? a : 0.01,
    lenses: c.get<boolean>('bench.codeLens', true),
  };
}
