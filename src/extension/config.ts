/**
 * Typed access to flamelens' settings, in one place. Settings that name programs to run are
 * read only from user/machine scope in an untrusted workspace (see
 * capabilities.untrustedWorkspaces.restrictedConfigurations in package.json).
 */
import * as vscode from 'vscode';
import type { SamplerChoice } from '../core/runners/recordProfile';

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

function programSetting(cfg: vscode.WorkspaceConfiguration, key: string): string {
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
