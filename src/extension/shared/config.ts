/**
 * Typed access to flamelens' settings, in one place. Settings that name programs to run are
 * read only from user/machine scope in an untrusted workspace (see
 * capabilities.untrustedWorkspaces.restrictedConfigurations in package.json).
 */
import { vscode } from '../vscodeApi';
import type { SamplerChoice } from '../../core/runners/cpu/recordProfile';
import { OPTIONS, optionValue } from '../../core/model/options';

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
  return {
    pythonPath: programSetting(c, 'python.path'),
    pyspyPath: programSetting(c, 'pyspy.path'),
    sampler: c.get<SamplerChoice>('profiler.sampler', 'auto'),
    rateHz: optionValue(OPTIONS.sampleRate, c.get('profiler.rate')),
    durationS: optionValue(OPTIONS.duration, c.get('profiler.duration')),
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
    minTotalPercent: optionValue(OPTIONS.hotPathsMinTotalPercent, c.get('hotPaths.minTotalPercent')),
    lineHeatMaxLines: optionValue(OPTIONS.lineHeatMaxLines, c.get('lineHeat.maxLines')),
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
  return {
    nsysPath: programSetting(c, 'nsys.path'),
    nsysTrace: c.get<string>('nsys.trace', 'cuda,nvtx,osrt') || 'cuda,nvtx,osrt',
    nsysExtraArgs: programArgs(c, 'nsys.extraArgs'),
    ncuPath: programSetting(c, 'ncu.path'),
    ncuSet: c.get<string>('ncu.set', 'detailed') || 'detailed',
    ncuSections: (c.get<string[]>('ncu.sections', []) ?? []).filter((x) => typeof x === 'string' && x.trim()),
    ncuLaunchCount: optionValue(OPTIONS.ncuLaunchCount, c.get('ncu.launchCount')),
    ncuExtraArgs: programArgs(c, 'ncu.extraArgs'),
  };
}

export interface BenchSettings {
  /** Baseline the regression lenses compare with ('' = the config's, else the newest saved). */
  baseline: string;
  threshold: number;
  alpha: number;
  lenses: boolean;
  blocks: number;
}

export function benchSettings(scope?: vscode.ConfigurationScope): BenchSettings {
  const c = vscode.workspace.getConfiguration('flamelens', scope);
  return {
    baseline: (c.get<string>('bench.baseline', '') ?? '').trim(),
    threshold: optionValue(OPTIONS.benchThresholdPct, c.get('bench.threshold')) / 100,
    alpha: optionValue(OPTIONS.benchAlpha, c.get('bench.alpha')),
    lenses: c.get<boolean>('bench.codeLens', true),
    blocks: optionValue(OPTIONS.benchBlocks, c.get('bench.blocks')),
  };
}

export interface TorchConfig {
  wait: number;
  warmup: number;
  active: number;
  repeat: number;
  recordShapes: boolean;
  withStack: boolean;
  profileMemory: boolean;
}

export function torchConfig(scope?: vscode.ConfigurationScope): TorchConfig {
  const c = vscode.workspace.getConfiguration('flamelens', scope);
  return {
    wait: optionValue(OPTIONS.torchWait, c.get('torch.wait')),
    warmup: optionValue(OPTIONS.torchWarmup, c.get('torch.warmup')),
    active: optionValue(OPTIONS.torchActive, c.get('torch.active')),
    repeat: optionValue(OPTIONS.torchRepeat, c.get('torch.repeat')),
    recordShapes: c.get<boolean>('torch.recordShapes', true),
    withStack: c.get<boolean>('torch.withStack', false),
    profileMemory: c.get<boolean>('torch.profileMemory', false),
  };
}
