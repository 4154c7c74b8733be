/**
 * The host's side of the Timeline tab: builds the trace's timeline index the first time the tab
 * opens, then answers the page's questions from it (what to draw in a window, a span's details,
 * a box selection's aggregate, a search's matches), sending each name once per page. The view's
 * state (window, collapsed lanes, colouring, scroll) is kept per file in the workspace state.
 */
import type { vscode } from '../vscodeApi';
import type { TorchTrace } from '../../core/model/torchTrace';
import { timelineOf, type TorchTimeline } from '../../core/analysis/torch/torchTimeline';
import { combineRanks, detailsIn } from '../../core/analysis/torch/torchRanksTimeline';
import { aggregate } from '../../core/analysis/timeline/timelineQuery';
import { firstWindow, matchesOf, outlineOf, windowWithNames } from '../../core/analysis/timeline/timelineAnswers';
import {
  MAX_MATCHES,
  type TimelineMeta,
  type TimelineState,
  type ToHost,
  type ToWebview,
} from '../../shared/protocol/torchTrace';

type Msg<K extends ToHost['type']> = Extract<ToHost, { type: K }>;

const MAX_AGGREGATE_ROWS = 1000;

export class TimelineHost {
  private tt?: Promise<TorchTimeline>;
  private readonly sent = new Set<number>();

  constructor(
    /** The trace, or the ranks of a distributed run (side by side, aligned by step), and their labels. */
    private readonly traces: () => Promise<{ trace: TorchTrace; label: string }[]>,
    private readonly post: (m: ToWebview) => void,
    private readonly file: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly memento?: vscode.Memento,
    /**
     * The reader's worker's index of the one trace, when there is one: windows, selections and
     * searches are answered from it without waiting for the trace (rebuilt on this thread after
     * it); a span's details wait for the trace.
     */
    private readonly early?: () => Promise<TorchTimeline | undefined> | undefined,
  ) {}

  /** The index: the worker's, or the one the trace's view was lent (timelineOf), or built here. */
  private index(): Promise<TorchTimeline> {
    if (!this.tt) {
      const t0 = Date.now();
      const early = this.early?.();
      this.tt = early ? early.then((tt) => tt ?? this.build()) : this.build();
      void this.tt.then((tt) =>
        this.log.info(
          `Timeline of ${this.file}: ${tt.index.start.length} spans, ready ${Date.now() - t0} ms after asked`,
        ),
      );
    }
    return this.tt;
  }

  private async build(): Promise<TorchTimeline> {
    const parts = await this.traces();
    const traces = parts.map((p) => p.trace);
    return parts.length === 1
      ? timelineOf(traces[0])
      : Promise.all(traces.map(timelineOf)).then((tts) =>
          combineRanks(
            tts,
            parts.map((p) => p.label),
          ),
        );
  }

  /** The index and the traces it was made from (a span's details need them). */
  private async timeline(): Promise<{ tt: TorchTimeline; traces: TorchTrace[] }> {
    const tt = await this.index();
    return { tt, traces: (await this.traces()).map((p) => p.trace) };
  }

  private get stateKey(): string {
    return `flamelens.timeline:${this.file}`;
  }

  async open(m: Msg<'timelineOpen'>): Promise<void> {
    const tt = await this.index();
    const ix = tt.index;
    this.sent.clear();
    const meta: TimelineMeta = outlineOf(ix, tt.busy, tt.steps);
    const state = this.memento?.get<TimelineState>(this.stateKey);
    // The first window comes with the outline: the page draws it without a round trip more.
    const first = m.px && m.px > 0 ? firstWindow(ix, tt.busy, meta, state, m.px, this.sent) : undefined;
    this.post({ type: 'timelineInit', meta, state, first });
  }

  async query(m: Msg<'timelineQuery'>): Promise<void> {
    const tt = await this.index();
    // The window is kept with every question, so it is there however the view was closed.
    const kept = this.memento?.get<TimelineState>(this.stateKey);
    if (this.memento && (kept?.t0 !== m.t0 || kept?.t1 !== m.t1))
      void this.memento.update(this.stateKey, {
        collapsed: [],
        colorBy: 'category',
        scrollTop: 0,
        ...kept,
        t0: m.t0,
        t1: m.t1,
      } satisfies TimelineState);
    const { answer, names } = windowWithNames(tt.index, tt.busy, m, this.sent);
    this.post({ type: 'timelineWindow', seq: m.seq, answer, names });
  }

  async select(m: Msg<'timelineSelect'>): Promise<void> {
    const { tt, traces } = await this.timeline();
    const details = detailsIn(tt, traces, m.flat);
    if (details) this.post({ type: 'timelineDetails', details, hover: m.hover });
  }

  async aggregate(m: Msg<'timelineAggregate'>): Promise<void> {
    const tt = await this.index();
    const rows = aggregate(tt.index, m.t0, m.t1, m.rows).slice(0, MAX_AGGREGATE_ROWS);
    this.post({ type: 'timelineAggregate', t0: m.t0, t1: m.t1, rows });
  }

  async search(m: Msg<'timelineSearch'>): Promise<void> {
    const tt = await this.index();
    const found = matchesOf(tt.index, m.text, m.exact ?? false, MAX_MATCHES);
    this.post({ type: 'timelineMatches', seq: m.seq, text: m.text, ...found });
  }

  saveState(m: Msg<'timelineState'>): void {
    void this.memento?.update(this.stateKey, m.state);
  }
}
