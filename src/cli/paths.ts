/**
 * What the CLI finds beside its bundle (dist/cli.js): the Python helpers in media/, the webview
 * bundles the HTML report inlines, and the cache where exports of reports the user opened go.
 */
import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';

export function mediaPath(file: string): string {
  return path.join(__dirname, '..', 'media', file);
}

export function samplerScriptPath(): string {
  return mediaPath('flamelens_sampler.py');
}

/** Where exports of reports the user opened go (never beside their files). */
export function cacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'flamelens');
}

/** A webview bundle and its styles, inlined by the HTML report. */
export async function webviewAssets(bundle: 'flamegraph' | 'torch'): Promise<{ js: string; css: string }> {
  const dir = path.join(__dirname, 'webview');
  try {
    const [js, css] = await Promise.all([
      fs.readFile(path.join(dir, `${bundle}.js`), 'utf8'),
      fs.readFile(path.join(dir, `${bundle}.css`), 'utf8'),
    ]);
    return { js, css };
  } catch {
    throw new Error(`the webview bundle is missing from ${dir}; run npm run build`);
  }
}
