/**
 * Reads speedscope JSON (https://www.speedscope.app/file-format-schema.json): `shared.frames`
 * and a list of profiles, each `sampled` (stacks of frame indices, root first, with weights) or
 * `evented` (open/close events at times). Checked on py-spy 0.4.2's speedscope output (one
 * sampled profile per thread, weights in seconds) and on the schema's evented form.
 *
 * A sampler's file (all weights equal) is read as sample counts so that "samples" mean the same
 * thing as in collapsed files; other weights keep their unit.
 */
import { FormatError } from '../formatError';
import { frameKindFor } from './frameSyntax';
import { ThreadBuilder, type Frame, type Profile, type WeightUnit } from '../../model/profile';

interface SpeedscopeFrame {
  name?: unknown;
  file?: unknown;
  line?: unknown;
}

/** Microseconds per unit, for the units that are times (the others have no time order). */
const MICROS: Partial<Record<WeightUnit, number>> = {
  nanoseconds: 1e-3,
  microseconds: 1,
  milliseconds: 1e3,
  seconds: 1e6,
};

const UNITS: Record<string, WeightUnit> = {
  none: 'none',
  nanoseconds: 'nanoseconds',
  microseconds: 'microseconds',
  milliseconds: 'milliseconds',
  seconds: 'seconds',
  bytes: 'bytes',
};

export function looksLikeSpeedscope(head: string): boolean {
  return (
    /"\$schema"\s*:\s*"https:\/\/www\.speedscope\.app\/file-format-schema\.json"/.test(head.slice(0, 4096)) ||
    (/^\s*\{/.test(head) && /"shared"\s*:/.test(head) && /"profiles"\s*:/.test(head))
  );
}

export function parseSpeedscope(text: string, fileName: string): Profile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec(String(e));
    throw new FormatError(fileName, m ? `offset ${m[1]}` : '', `expected speedscope JSON: ${(e as Error).message}`);
  }
  if (!isObject(doc) || !isObject(doc.shared) || !Array.isArray(doc.shared.frames) || !Array.isArray(doc.profiles)) {
    throw new FormatError(fileName, '', 'expected a speedscope document with "shared.frames" and "profiles"');
  }
  const rawFrames = doc.shared.frames as SpeedscopeFrame[];
  const frames: Frame[] = rawFrames.map((f, i) => {
    if (!isObject(f) || typeof f.name !== 'string') {
      throw new FormatError(fileName, `shared.frames[${i}]`, 'expected a frame with a string "name"');
    }
    const file = typeof f.file === 'string' && f.file ? f.file : undefined;
    const line = typeof f.line === 'number' && Number.isInteger(f.line) && f.line > 0 ? f.line : undefined;
    return { name: f.name, file, line, kind: frameKindFor(file) };
  });
  const nFrames = frames.length;
  const checkFrame = (idx: unknown, where: string): number => {
    if (typeof idx !== 'number' || !Number.isInteger(idx) || idx < 0 || idx >= nFrames) {
      throw new FormatError(
        fileName,
        where,
        `expected a frame index between 0 and ${nFrames - 1}, found ${JSON.stringify(idx)}`,
      );
    }
    return idx;
  };

  const profiles = doc.profiles as unknown[];
  const threads: ThreadBuilder[] = [];
  let unit: WeightUnit | undefined;
  let allSampledUniform = true;
  let sampleCount = 0;
  let uniformWeight: number | undefined;
  const meta: Record<string, string> = {};
  if (typeof doc.exporter === 'string') meta.exporter = doc.exporter;
  if (typeof doc.name === 'string') meta.name = doc.name;

  profiles.forEach((p, pi) => {
    const where = `profiles[${pi}]`;
    if (!isObject(p)) throw new FormatError(fileName, where, 'expected a profile object');
    const name = typeof p.name === 'string' ? p.name : `profile ${pi}`;
    const pUnit = typeof p.unit === 'string' && UNITS[p.unit] ? UNITS[p.unit] : 'none';
    unit = unit ?? pUnit;
    const builder = new ThreadBuilder(String(pi), name);
    // Times in µs on the file's clock, where the unit is a time: speedscope's time order.
    const us = MICROS[pUnit];
    const startValue = typeof p.startValue === 'number' && Number.isFinite(p.startValue) ? p.startValue : 0;
    if (p.type === 'sampled') {
      let clock = 0;
      if (!Array.isArray(p.samples) || !Array.isArray(p.weights) || p.samples.length !== p.weights.length) {
        throw new FormatError(
          fileName,
          where,
          'expected a sampled profile with "samples" and "weights" of the same length',
        );
      }
      const weights = p.weights as unknown[];
      if (uniformWeight === undefined && weights.length > 0 && typeof weights[0] === 'number')
        uniformWeight = weights[0];
      const first = uniformWeight;
      p.samples.forEach((s: unknown, si: number) => {
        if (!Array.isArray(s))
          throw new FormatError(fileName, `${where}.samples[${si}]`, 'expected an array of frame indices');
        const w = weights[si];
        if (typeof w !== 'number' || !(w >= 0) || !Number.isFinite(w))
          throw new FormatError(
            fileName,
            `${where}.weights[${si}]`,
            `expected a finite non-negative number, found ${JSON.stringify(w)}`,
          );
        if (w !== first) allSampledUniform = false;
        const node = builder.add(
          s.map((idx, k) => checkFrame(idx, `${where}.samples[${si}][${k}]`)),
          w,
        );
        if (us !== undefined && w > 0) builder.at(node, (startValue + clock) * us, w * us, 'cumulative');
        clock += w;
        sampleCount++;
      });
    } else if (p.type === 'evented') {
      allSampledUniform = false;
      if (!Array.isArray(p.events)) throw new FormatError(fileName, where, 'expected an evented profile with "events"');
      // The open frames and their nodes in the thread's stack table: a close checks the frame,
      // elapsed time goes to the innermost node. Nothing is copied per event.
      const openFrames: number[] = [];
      const openNodes: number[] = [0];
      let last = startValue;
      p.events.forEach((ev: unknown, ei: number) => {
        const ew = `${where}.events[${ei}]`;
        if (!isObject(ev) || (ev.type !== 'O' && ev.type !== 'C') || typeof ev.at !== 'number') {
          throw new FormatError(fileName, ew, 'expected an event {"type":"O"|"C","frame":N,"at":T}');
        }
        if (!Number.isFinite(ev.at))
          throw new FormatError(fileName, `${ew}.at`, `expected a finite time, found ${JSON.stringify(ev.at)}`);
        const frame = checkFrame(ev.frame, `${ew}.frame`);
        if (ev.at < last)
          throw new FormatError(fileName, ew, `expected events in time order, "at" went back from ${last} to ${ev.at}`);
        if (openFrames.length > 0 && ev.at > last) {
          const node = openNodes[openNodes.length - 1];
          builder.addAt(node, ev.at - last);
          if (us !== undefined) builder.at(node, last * us, (ev.at - last) * us, 'wall');
        }
        last = ev.at;
        if (ev.type === 'O') {
          openNodes.push(builder.node(openNodes[openNodes.length - 1], frame));
          openFrames.push(frame);
        } else {
          if (openFrames[openFrames.length - 1] !== frame) {
            throw new FormatError(
              fileName,
              ew,
              `expected to close frame ${openFrames[openFrames.length - 1] ?? '(none open)'}, found a close of frame ${frame}`,
            );
          }
          openFrames.pop();
          openNodes.pop();
        }
        sampleCount++;
      });
    } else {
      throw new FormatError(
        fileName,
        where,
        `expected "type" to be "sampled" or "evented", found ${JSON.stringify(p.type)}`,
      );
    }
    threads.push(builder);
  });
  if (threads.length === 0) throw new FormatError(fileName, 'profiles', 'expected at least one profile');

  let finalUnit: WeightUnit = unit ?? 'none';
  const built = threads.map((t) => t.build());
  if (allSampledUniform && uniformWeight !== undefined && uniformWeight > 0) {
    // A sampler's file: each sample weighs one sampling interval. Count samples instead.
    meta.sampleInterval = `${uniformWeight} ${finalUnit}`;
    for (const t of built) {
      for (let i = 0; i < t.weights.length; i++) t.weights[i] = Math.round(t.weights[i] / uniformWeight);
    }
    finalUnit = 'samples';
  }
  meta.samples = String(sampleCount);
  return {
    format: 'speedscope',
    unit: finalUnit,
    frames,
    threads: built,
    meta,
  };
}

function isObject(v: unknown): v is Record<string, unknown> & { [k: string]: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
