/**
 * GPU threshold alerts as notifications: the default rules and the user's (validated), each
 * firing once per episode, with Open Dashboard and Stop Run.
 */
import { vscode } from '../vscodeApi';
import {
  AlertEvaluator,
  DEFAULT_ALERT_RULES,
  validateAlertRules,
  type AlertEvent,
} from '../../core/analysis/gpu/alertRules';
import type { GpuSample } from '../../core/model/telemetry';
import type { ActiveRuns } from '../shared/activeRuns';
import { plainText } from '../shared/plainText';

/** Days of alerts: the latest this many texts are kept. */
const KEPT = 200;

export class GpuAlerts {
  private readonly evaluator = new AlertEvaluator(DEFAULT_ALERT_RULES);
  private readonly shown: string[] = [];

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly activeRuns: ActiveRuns,
  ) {}

  /** Reads the rules from the settings; problems are logged and shown once. */
  applyRules(): void {
    const c = vscode.workspace.getConfiguration('flamelens.gpu');
    const { rules, problems } = validateAlertRules(c.get('alerts.rules'));
    for (const p of problems) this.log.warn(p);
    if (problems.length > 0) {
      const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
      void vscode.window.showWarningMessage(plainText(`flamelens: ${problems[0]}${more}`));
    }
    this.evaluator.setRules([...(c.get<boolean>('alerts.defaults', true) ? DEFAULT_ALERT_RULES : []), ...rules]);
  }

  observe(time: number, gpus: GpuSample[]): void {
    for (const e of this.evaluator.observe(time, gpus, { profiling: this.activeRuns.list.length > 0 })) this.show(e);
  }

  texts(): string[] {
    return [...this.shown];
  }

  private show(e: AlertEvent): void {
    const text = `flamelens GPU alert (${e.severity}): ${e.message}`;
    this.shown.push(text);
    if (this.shown.length > KEPT) this.shown.splice(0, this.shown.length - KEPT);
    this.log.warn(text);
    const actions = ['Open Dashboard', ...(this.activeRuns.list.length > 0 ? ['Stop Run'] : [])];
    const show =
      e.severity === 'critical'
        ? vscode.window.showErrorMessage
        : e.severity === 'warning'
          ? vscode.window.showWarningMessage
          : vscode.window.showInformationMessage;
    void show(text, ...actions).then((choice) => {
      if (choice === 'Open Dashboard') void vscode.commands.executeCommand('flamelens.gpu.showDashboard');
      if (choice === 'Stop Run') for (const r of this.activeRuns.list) r.stop();
    });
  }
}
