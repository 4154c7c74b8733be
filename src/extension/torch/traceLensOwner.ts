/**
 * Which trace view's lenses the code shows (⚡ GPU time and waits, the CPU hot paths of its
 * Python frames) when several trace views are open: the one focused last. A view that finishes
 * reading while another was focused after it keeps its lenses for when it is focused; one that
 * finishes with no other focused since sets them at once (the user may be in their code by then).
 */
export class TraceLensOwner {
  private focused?: object;
  private readonly apply = new Map<object, () => Promise<void>>();

  /** `view` was focused: its lenses, when it has them, are set now (true). */
  async focus(view: object): Promise<boolean> {
    const changed = this.focused !== view;
    this.focused = view;
    const apply = this.apply.get(view);
    if (!apply || !changed) return false;
    await apply();
    return true;
  }

  /** `view` has its lenses: set now (true) unless another view was focused after it. */
  async ready(view: object, apply: () => Promise<void>): Promise<boolean> {
    this.apply.set(view, apply);
    if (this.focused !== undefined && this.focused !== view) return false;
    await apply();
    return true;
  }

  closed(view: object): void {
    this.apply.delete(view);
    if (this.focused === view) this.focused = undefined;
  }
}
