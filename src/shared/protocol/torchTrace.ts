/**
 * The PyTorch trace view (webview/torch): the trace's tables and charts once (and, for the
 * ranks of a distributed run, their comparison); the view asks the host to open sources, the CPU
 * flame graph, and to save tables. The Timeline tab asks the host for what to draw in a window
 * (the host holds the index; the page only draws), for a span's details, for the aggregate of a
 * box selection and for the matches of a search, and hands back its state to keep per file.
 */
import type { RankRow, TraceViewData } from '../../core/analysis/torch/torchView';
import type { AggregateRow, WindowAnswer } from '../../core/analysis/timeline/timelineQuery';
import type { SpanDetails } from '../../core/analysis/torch/torchTimeline';
import type { Matches, TimelineOutline } from '../../core/analysis/timeline/timelineAnswers';
import type { ErrorMessage, ExportCsv, OpenSource, Ready } from './common';

export const VIEW = 'torch';

/** The index's outline: lanes, counters, GPU busy tracks, steps (see timelineAnswers). */
export type TimelineMeta = TimelineOutline;

/** What the timeline remembers of itself, per file. */
export interface TimelineState {
  t0: number;
  t1: number;
  collapsed: string[];
  colorBy: 'category' | 'name';
  scrollTop: number;
}

export type ToHost =
  | Ready
  | OpenSource
  | ExportCsv
  | { type: 'openFlameGraph' }
  /** `px`: the canvas's plot width, for the first window the host sends with the outline. */
  | { type: 'timelineOpen'; px?: number }
  /** `busy`, `counters`: the GPU-busy and counter tracks shown (WindowQuery). */
  | {
      type: 'timelineQuery';
      seq: number;
      t0: number;
      t1: number;
      px: number;
      rows: number[];
      busy: number[];
      counters: number[];
    }
  | { type: 'timelineSelect'; flat: number; hover?: boolean }
  | { type: 'timelineAggregate'; t0: number; t1: number; rows: number[] }
  | { type: 'timelineSearch'; seq: number; text: string; exact?: boolean }
  | { type: 'timelineState'; state: TimelineState };

export type ToWebview =
  /** What the host is doing before the tables come (a big trace takes seconds to read). */
  | { type: 'status'; text: string }
  | { type: 'traceInit'; data: TraceViewData; interactive: boolean; ranks?: RankRow[]; tab?: 'summary' | 'timeline' }
  | { type: 'showTab'; tab: 'summary' | 'timeline' }
  /**
   * The timeline is ready before the tables (the view was opened on its Timeline tab): the page
   * shows its tabs and the timeline now, the Summary tab saying what is still being built.
   */
  | { type: 'timelineFirst' }
  | {
      type: 'timelineInit';
      meta: TimelineMeta;
      state?: TimelineState;
      first?: { answer: WindowAnswer; names: [number, string][] };
    }
  | { type: 'timelineWindow'; seq: number; answer: WindowAnswer; names: [number, string][] }
  | { type: 'timelineDetails'; details: SpanDetails; hover?: boolean }
  | { type: 'timelineAggregate'; t0: number; t1: number; rows: AggregateRow[] }
  /** A search's matches in time order, at most MAX_MATCHES (see timelineAnswers' Matches). */
  | ({ type: 'timelineMatches'; seq: number; text: string } & Matches)
  | ErrorMessage;

export const MAX_MATCHES = 50_000;
