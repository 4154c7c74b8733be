/**
 * Nsight Systems and Nsight Compute in the editor, composed of its parts: the runner (Profile with
 * Nsight Systems, Profile Kernels with Nsight Compute), the report views and their custom editor,
 * and Open Nsight Report…. Reading and analysis are the core's.
 */
import { vscode } from '../vscodeApi';
import type { RunInEditorDeps } from '../shared/runInEditor';
import { NsightRunner } from './nsightRunner';
import { NsightPanels } from './nsightView';

export { NSIGHT_REPORT_VIEW_TYPE } from './nsightView';
export type { NsightCommandArgs } from './nsightRunner';

export interface NsightApi {
  open(file: string): Promise<void>;
  panelTitles(): string[];
}

export function register(context: vscode.ExtensionContext, shared: RunInEditorDeps): NsightApi {
  const panels = new NsightPanels(context, shared.log);
  const runner = new NsightRunner({ ...shared, context, panels });
  context.subscriptions.push(
    panels,
    panels.editor(),
    ...runner.commands(),
    vscode.commands.registerCommand('flamelens.openNsightReport', async (file?: string | vscode.Uri) => {
      let target = typeof file === 'string' ? file : file instanceof vscode.Uri ? file.fsPath : undefined;
      if (!target) {
        const picked = await vscode.window.showOpenDialog({
          title: 'flamelens: Open Nsight Report',
          canSelectMany: false,
          filters: { 'Nsight reports': ['nsys-rep', 'qdrep', 'sqlite', 'ncu-rep', 'csv'], 'All files': ['*'] },
        });
        target = picked?.[0]?.fsPath;
      }
      if (target) panels.open(target);
    }),
  );
  return { open: async (file) => panels.open(file), panelTitles: () => panels.titles() };
}
