// The trace view's two tabs: Summary (tables and charts) and Timeline; "Show on timeline" from
// a table row switches to the timeline and steps through that name's instances.
import { el } from '../shared/dom';
import type { TimelineTab } from './timelineTab';

export class Tabs {
  private readonly bar = el('div', { class: 'tabs', role: 'tablist' });
  private readonly buttons: Record<'summary' | 'timeline', HTMLButtonElement>;
  private current: 'summary' | 'timeline' = 'summary';

  constructor(
    app: HTMLElement,
    private readonly summary: HTMLElement,
    readonly timeline: TimelineTab,
  ) {
    const tab = (id: 'summary' | 'timeline', text: string) => {
      const b = el('button', { role: 'tab', id: `tab-${id}`, class: 'tab', 'aria-selected': 'false' }, text);
      b.addEventListener('click', () => this.show(id));
      return b;
    };
    this.buttons = { summary: tab('summary', 'Summary'), timeline: tab('timeline', 'Timeline') };
    this.bar.append(this.buttons.summary, this.buttons.timeline);
    app.prepend(this.bar);
    app.append(timeline.element);
    this.show('summary');
  }

  /** Takes the tabs off the page (the report showing another trace). */
  remove(): void {
    this.bar.remove();
    this.timeline.element.remove();
    this.summary.hidden = false;
  }

  show(which: 'summary' | 'timeline'): void {
    this.current = which;
    this.summary.hidden = which !== 'summary';
    this.timeline.element.hidden = which !== 'timeline';
    for (const [k, b] of Object.entries(this.buttons)) {
      b.setAttribute('aria-selected', String(k === which));
      b.classList.toggle('active', k === which);
    }
    document.body.dataset.flamelensTab = which;
    if (which === 'timeline') this.timeline.shown();
  }

  showOnTimeline(name: string): void {
    this.show('timeline');
    this.timeline.find(name, true);
  }

  /** The timeline at a range (a finding's), with a margin either side. */
  showRange(t0: number, t1: number): void {
    this.show('timeline');
    this.timeline.showRange(t0, t1);
  }

  get tab(): 'summary' | 'timeline' {
    return this.current;
  }
}
