/**
 * Generated profiles for benchmarks: realistic py-spy raw text (long paths, line numbers, a
 * thread frame) with a chosen number of distinct stacks and samples. Deterministic (seeded).
 */
import { makeRng } from '../../src/core/analysis/bench/benchStats';

export const mulberry32 = makeRng;

const MODULES = [
  'torch/nn/modules/module.py',
  'torch/nn/modules/linear.py',
  'torch/optim/adamw.py',
  'transformers/models/llama/modeling_llama.py',
  'numpy/core/fromnumeric.py',
  'myproject/train.py',
  'myproject/data/loader.py',
  'myproject/model/attention.py',
  'asyncio/base_events.py',
  'threading.py',
];
const NAMES = [
  'forward',
  '_call_impl',
  'step',
  'backward',
  'apply_rotary_pos_emb',
  'load_batch',
  'collate',
  'matmul',
  'softmax',
  'run',
  '_bootstrap_inner',
  'train_one_epoch',
  'evaluate',
  'tokenize',
  '<module>',
  'main',
];

/** py-spy raw text with `stacks` distinct lines whose counts add up to about `samples`. */
export function syntheticPySpyRaw(stacks: number, samples: number, maxDepth = 40, seed = 1): string {
  const rnd = mulberry32(seed);
  // A pool of distinct frames, as in real programs (thousands, not one per sample).
  const pool = Array.from({ length: 6000 }, () => {
    const m = MODULES[Math.floor(rnd() * MODULES.length)];
    return `${NAMES[Math.floor(rnd() * NAMES.length)]} (/home/user/.venv/lib/python3.11/site-packages/${m}:${1 + Math.floor(rnd() * 2000)})`;
  });
  const frame = () => pool[Math.floor(rnd() * pool.length)];
  // A shared trunk so the tree has realistic depth and fan-out.
  const trunk = Array.from({ length: 6 }, frame);
  const branches = Array.from({ length: 60 }, () => Array.from({ length: 8 }, frame));
  const lines: string[] = [];
  const per = samples / stacks;
  for (let i = 0; i < stacks; i++) {
    const depth = 4 + Math.floor(rnd() * (maxDepth - 4));
    const branch = branches[Math.floor(rnd() * branches.length)];
    const st = ['thread (0x7F3A2B1C0740): MainThread', ...trunk, ...branch];
    while (st.length < depth) st.push(frame());
    const count = Math.max(1, Math.round(per * (0.2 + 1.6 * rnd())));
    lines.push(`${st.join(';')} ${count}`);
  }
  return lines.join('\n') + '\n';
}
