// Where things are, for every kind of test (unit, integration, end to end): the repository, the
// fixtures (real tool outputs and the few hand-made edge cases), the examples and the media.
// Found from this module's place, which is test/harness here and out/… once a test is bundled.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

function repositoryRoot(from) {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'src', 'core'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no flamelens checkout above ${from}`);
  }
}

export const ROOT = repositoryRoot(path.dirname(fileURLToPath(import.meta.url)));
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');
export const REAL = path.join(FIXTURES, 'real');
export const HANDMADE = path.join(FIXTURES, 'handmade');
export const EXAMPLES = path.join(ROOT, 'examples');
export const MEDIA = path.join(ROOT, 'media');
/** Screenshots and logs the end-to-end tests leave behind. */
export const ARTIFACTS = path.join(ROOT, 'test', 'e2e', 'artifacts');
