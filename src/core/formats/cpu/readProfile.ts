import { parseProfile } from './parseProfile';
import { readTextFile } from '../textFile';
import type { Profile } from '../../model/profile';

/**
 * Reads and parses a CPU profile file, gzipped or not, UTF-8 or UTF-16; every failure is a
 * FormatError naming the file.
 */
export async function readProfile(path: string): Promise<Profile> {
  return parseProfile(await readTextFile(path, 'CPU profiles'), path);
}
