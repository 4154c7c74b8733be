/** Writes a profile back out as collapsed stacks or as speedscope JSON. */
import {
  selectedThreads,
  threadTotals,
  weightedStacks,
  type Frame,
  type Profile,
  type ThreadFilter,
} from '../../model/profile';

export function formatPySpyFrame(f: Frame): string {
  if (f.file && f.line !== undefined) return `${f.name} (${f.file}:${f.line})`;
  if (f.file) return `${f.name} (${f.file})`;
  return f.name;
}

/** Collapsed stacks in py-spy's raw syntax; with `threadFrames`, a `thread (id): name` root frame. */
export function toCollapsedStacks(
  profile: Profile,
  options: { threads?: ThreadFilter; threadFrames?: boolean } = {},
): string {
  const text = profile.frames.map((f) => formatPySpyFrame(f).replace(/;/g, ':'));
  const out: string[] = [];
  for (const t of selectedThreads(profile, options.threads)) {
    const prefix = options.threadFrames && profile.threads.length > 1 ? `thread (${t.id}): ${t.name};` : '';
    for (const [stack, weight] of weightedStacks(t)) {
      if (stack.length === 0) continue;
      out.push(`${prefix}${stack.map((i) => text[i]).join(';')} ${weight}`);
    }
  }
  return out.join('\n') + '\n';
}

export function toSpeedscope(profile: Profile, name = 'flamelens profile'): string {
  const unit = profile.unit === 'samples' ? 'none' : profile.unit;
  const totals = threadTotals(profile);
  const doc = {
    $schema: 'https://www.speedscope.app/file-format-schema.json',
    exporter: 'flamelens',
    name,
    activeProfileIndex: 0,
    shared: { frames: profile.frames.map((f) => ({ name: f.name, file: f.file, line: f.line })) },
    profiles: profile.threads.map((t, i) => {
      const total = totals[i].weight;
      const samples: number[][] = [];
      const weights: number[] = [];
      for (const [stack, weight] of weightedStacks(t)) {
        samples.push(stack);
        weights.push(weight);
      }
      return {
        type: 'sampled',
        name: t.name,
        unit,
        startValue: 0,
        endValue: total,
        samples,
        weights,
      };
    }),
  };
  return JSON.stringify(doc);
}
