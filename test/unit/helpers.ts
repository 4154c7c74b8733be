import * as path from 'node:path';
import { readFileSync } from 'node:fs';

export const ROOT = path.resolve(__dirname, '..', '..');
export const REAL = path.join(ROOT, 'test', 'fixtures', 'real');
export const HANDMADE = path.join(ROOT, 'test', 'fixtures', 'handmade');
export const PYSPY_SPEEDSCOPE = path.join(REAL, 'yuntongf_cs336-a1__pyspy042_macos_4threads.speedscope.json');
export const BUILTIN_FOLDED = path.join(REAL, 'flamelens-builtin-sampler1_py3.11.7_matrix_work.folded');
export const SAMPLER = path.join(ROOT, 'media', 'flamelens_sampler.py');
export const EXAMPLES = path.join(ROOT, 'examples');

export function read(p: string): string {
  return readFileSync(p, 'utf8');
}
