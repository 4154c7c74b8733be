/**
 * Answers the questions a flame graph view asks about one profile (a focused level-of-detail
 * view, callers/callees, search, hot functions), caching call trees per thread selection.
 * Pure: runs in the extension host, in the CLI, and inside the standalone HTML report.
 */
import { hotPathsOf, type FunctionStat } from './hotPaths';
import { buildCallTree, type CallTree } from './callTree';
import { packFlameView, type PackedFlameView } from './flameViewWire';
import { buildFlameView, type FlameView } from './flameView';
import { buildSandwich, type Sandwich } from './sandwich';
import { searchProfile, type SearchResult } from './search';
import { functionKey, threadTotals, type Profile } from '../../model/profile';

export interface ViewParams {
  focus: number;
  threads: string[];
  reverse: boolean;
  /** Width of the drawing in pixels: frames narrower than about a pixel are merged. */
  widthPx?: number;
  /** A frame per recorded line instead of one per function (the default, as tables and lenses count). */
  byLine?: boolean;
}
export interface SandwichParams {
  name: string;
  file?: string;
  threads: string[];
}
export interface SearchParams {
  term: string;
  threads: string[];
}
export interface HotPathParams {
  threads: string[];
  top: number;
}
export interface HotFunctionsResult {
  total: number;
  functions: FunctionStat[];
}

/** The request/response interface between a flame graph view and its data. */
export interface ProfileRpc {
  view(p: ViewParams): FlameView;
  sandwich(p: SandwichParams): Sandwich;
  search(p: SearchParams): SearchResult;
  hotFunctions(p: HotPathParams): HotFunctionsResult;
}

export interface ProfileSummary {
  title: string;
  format: string;
  unit: string;
  total: number;
  frames: number;
  threads: { id: string; name: string; weight: number }[];
  meta: Record<string, string>;
}

export function summarizeProfile(profile: Profile, title: string): ProfileSummary {
  const threads = threadTotals(profile);
  return {
    title,
    format: profile.format,
    unit: profile.unit,
    total: threads.reduce((a, t) => a + t.weight, 0),
    frames: profile.frames.length,
    threads,
    meta: profile.meta,
  };
}

/**
 * What a standalone report draws before it has read its profile: the summary, the first view
 * (whole profile, all threads, top-down, by function, for a wide window) and the hot functions.
 */
export interface FirstView {
  summary: ProfileSummary;
  view: PackedFlameView;
  hot: HotFunctionsResult;
}

export const FIRST_VIEW_WIDTH = 2000;
export const HOT_TOP = 50;

export function firstView(session: ProfileSession, title: string): FirstView {
  return {
    summary: summarizeProfile(session.profile, title),
    view: packFlameView(
      session.view({ focus: 0, threads: [], reverse: false, byLine: false, widthPx: FIRST_VIEW_WIDTH }),
    ),
    hot: session.hotFunctions({ threads: [], top: HOT_TOP }),
  };
}

/** First call trees built elsewhere (the file reader's worker), by the profile they are of. */
const offered = new WeakMap<Profile, Promise<CallTree | undefined>>();

/**
 * Offers `profile`'s first call tree (all threads, top-down, by function), built elsewhere or
 * still being built: its sessions wait for it (`firstTree`) instead of building their own.
 * Undefined when it was not built: the sessions then build it on demand.
 */
export function offerFirstTree(profile: Profile, tree: Promise<CallTree | undefined>): void {
  offered.set(profile, tree);
}

function treeKey(threads: string[], reverse: boolean, byLine: boolean): string {
  return `${reverse ? 'r' : 'f'}${byLine ? 'l' : ''}|${[...threads].sort().join('\u0000')}`;
}

export class ProfileSession implements ProfileRpc {
  private readonly trees = new Map<string, CallTree>();
  /** Settled when the first call tree offered for the profile arrived or will not; undefined: none offered. */
  readonly firstTree: Promise<void> | undefined;

  constructor(readonly profile: Profile) {
    const tree = offered.get(profile);
    this.firstTree = tree?.then((t) => {
      const key = treeKey([], false, false);
      if (t && !this.trees.has(key)) this.trees.set(key, t);
    });
  }

  /** `def` lines of functions by functionKey, found in their sources (the host or the CLI reads them). */
  private defs?: ReadonlyMap<string, number>;

  setDefinitionLines(defs: ReadonlyMap<string, number>): void {
    this.defs = defs;
  }

  tree(threads: string[], reverse: boolean, byLine = false): CallTree {
    const key = treeKey(threads, reverse, byLine);
    let t = this.trees.get(key);
    if (!t) {
      if (this.trees.size >= 8) this.trees.delete(this.trees.keys().next().value as string);
      t = buildCallTree(this.profile, { threads, reverse, byLine });
      this.trees.set(key, t);
    }
    return t;
  }

  view(p: ViewParams): FlameView {
    const tree = this.tree(p.threads, p.reverse, p.byLine);
    const width = Math.max(200, Math.min(8000, p.widthPx ?? 1600));
    // About a pixel: narrower frames would not be drawn anyway. The node bound keeps each
    // message to the page small (about 60 KB packed).
    const defs = this.defs;
    const frames = this.profile.frames;
    return buildFlameView(this.profile, tree, p.focus, {
      minFraction: 1 / width,
      maxNodes: 1500,
      maxDepth: 300,
      defLine: defs && ((f) => defs.get(functionKey(frames[f]))),
    });
  }

  private keys?: string[];

  sandwich(p: SandwichParams): Sandwich {
    this.keys ??= this.profile.frames.map((f) => functionKey(f));
    return buildSandwich(this.profile, p.name, p.file, p.threads, this.keys);
  }

  search(p: SearchParams): SearchResult {
    return searchProfile(this.profile, p.term, p.threads);
  }

  hotFunctions(p: HotPathParams): HotFunctionsResult {
    const h = hotPathsOf(this.profile, p.threads);
    const defs = this.defs;
    const functions = h.functions.slice(0, Math.max(1, p.top));
    return {
      total: h.total,
      functions: defs
        ? functions.map((f) => {
            const d = defs.get(functionKey({ name: f.name, file: f.file, kind: 'other' }));
            return d === undefined ? f : { ...f, defLine: d };
          })
        : functions,
    };
  }
}
