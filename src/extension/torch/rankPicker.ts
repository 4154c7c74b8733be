/**
 * Which traces to compare as the ranks of one run: the explorer's selection (two or more files),
 * or an open dialog; where the dialog gives one file (VS Code's simple dialog, used over
 * Remote-SSH and in code-server, picks one at a time), the other traces of that folder are
 * offered in a list to tick, the ones whose names differ from it only by a number first.
 */
import { vscode } from '../vscodeApi';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { plainText } from '../shared/plainText';

const TRACE_NAME = /\.json(\.gz)?$/i;

/** The traces the command was given or the person picks; undefined when they gave up. */
export async function pickRankTraces(arg?: unknown, selection?: unknown): Promise<string[] | undefined> {
  const given = [selection, arg]
    .map((x) => (Array.isArray(x) ? x : x ? [x] : []))
    .find((l) => l.length >= 2 || (l.length === 1 && typeof l[0] === 'string'));
  const files = given?.map((x) => (x instanceof vscode.Uri ? x.fsPath : String(x)));
  if (files && files.length >= 2) return files;
  const picked = await vscode.window.showOpenDialog({
    title: 'flamelens: Compare PyTorch Traces (one per rank)',
    canSelectMany: true,
    filters: { 'PyTorch traces': ['json', 'gz'] },
  });
  if (!picked || picked.length === 0) return undefined;
  if (picked.length >= 2) return picked.map((u) => u.fsPath);
  return addSiblings(picked[0].fsPath);
}

/** Offers the other traces beside `first` to add to it. */
async function addSiblings(first: string): Promise<string[] | undefined> {
  const dir = path.dirname(first);
  let names: string[] = [];
  try {
    names = (await fs.readdir(dir)).filter((n) => TRACE_NAME.test(n) && n !== path.basename(first));
  } catch {
    names = [];
  }
  if (names.length === 0) {
    void vscode.window.showInformationMessage(
      `flamelens: no other trace beside ${plainText(path.basename(first))}: put the ranks' traces in one folder.`,
    );
    return undefined;
  }
  // "rank0.json.gz" and "rank1.json.gz": the same name but for its digits.
  const shape = (n: string) => n.replace(/\d+/g, '#');
  const like = shape(path.basename(first));
  names.sort((a, b) => Number(shape(b) === like) - Number(shape(a) === like) || a.localeCompare(b));
  const items = names.map((n) => ({ label: plainText(n), file: path.join(dir, n), picked: shape(n) === like }));
  const chosen = await vscode.window.showQuickPick(items, {
    title: `flamelens: the other ranks to compare with ${plainText(path.basename(first))}`,
    placeHolder: 'Tick the traces of the other ranks',
    canPickMany: true,
  });
  if (!chosen || chosen.length === 0) return undefined;
  return [first, ...chosen.map((c) => c.file)];
}
