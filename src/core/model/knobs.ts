/**
 * How each front end lets a person point flamelens at a program or change a setting, for the
 * messages that tell them to: the editor has settings, the CLI has environment variables and
 * flags. Messages in the core ask `knob('pyspy')`; the CLI says which names it uses once, at start.
 */
export type Knob = 'pyspy' | 'python' | 'torchPython' | 'nsys' | 'ncu' | 'nvidiaSmi' | 'prometheusPort' | 'sampler';

export const EDITOR_KNOBS: Record<Knob, string> = {
  pyspy: 'the setting flamelens.pyspy.path',
  python: 'the interpreter (the Python extension, or the setting flamelens.python.path)',
  torchPython: 'an interpreter with PyTorch installed (the Python extension, or the setting flamelens.python.path)',
  nsys: 'the setting flamelens.nsys.path',
  ncu: 'the setting flamelens.ncu.path',
  nvidiaSmi: 'the setting flamelens.gpu.nvidiaSmiPath',
  prometheusPort: 'the setting flamelens.gpu.prometheus.port',
  sampler: 'the setting flamelens.profiler.sampler',
};

export const CLI_KNOBS: Record<Knob, string> = {
  pyspy: 'FLAMELENS_PYSPY=/path/to/py-spy',
  python: 'the interpreter given after --',
  torchPython: 'an interpreter with PyTorch installed: --python PATH (or as the first word after --)',
  nsys: 'FLAMELENS_NSYS=/path/to/nsys',
  ncu: 'FLAMELENS_NCU=/path/to/ncu',
  nvidiaSmi: 'FLAMELENS_NVIDIA_SMI=/path/to/nvidia-smi',
  prometheusPort: 'another port',
  sampler: '--sampler builtin',
};

let names = EDITOR_KNOBS;

/** Called once by a front end whose names are not the editor's (the CLI). */
export function useKnobNames(n: Record<Knob, string>): void {
  names = n;
}

/** How the person running flamelens sets `k`, in their front end's words. */
export function knob(k: Knob): string {
  return names[k];
}
