/**
 * The change event of a CodeLens provider. VS Code 1.100 drops a change event that arrives
 * while it is still resolving the lenses it asked for when the provider was registered, so
 * every change is announced once more shortly after.
 */
import { vscode } from '../vscodeApi';

export class LensChanges implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly event = this.emitter.event;
  private again: ReturnType<typeof setTimeout> | undefined;

  fire(): void {
    this.emitter.fire();
    clearTimeout(this.again);
    this.again = setTimeout(() => this.emitter.fire(), 750);
  }

  dispose(): void {
    clearTimeout(this.again);
    this.emitter.dispose();
  }
}
