/** `flamelens report FILE... -o report.html`: one self-contained HTML file of profiles or traces. */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { buildTraceView } from '../../core/analysis/torch/torchView';
import { diagnoseRanks, rankLabel } from '../../core/analysis/torch/rankDiagnosis';
import { detectFileKind, openProfile, openTorchTrace } from '../../core/open/openFile';
import { promises as fs } from 'node:fs';
import { definitionLines } from '../../core/analysis/source/definitionLines';
import { profileToJson } from '../../core/model/profile';
import { firstView, ProfileSession } from '../../core/analysis/cpu/profileSession';
import { buildHtmlReport } from '../../core/report/htmlReport';
import { packTimeline } from '../../core/report/timelineReport';
import { torchTimeline } from '../../core/analysis/torch/torchTimeline';
import { writeOutput } from '../../core/store/outputFile';
import { UsageError, type Command } from '../args';
import { webviewAssets } from '../paths';
import { announceReading, readingStatus } from '../terminal';

const WHAT = 'report takes CPU profiles or PyTorch traces';

export const report: Command = {
  usage: ['FILE... -o report.html'],
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { output: { type: 'string', short: 'o' } },
    });
    if (positionals.length === 0) throw new UsageError('report needs at least one FILE');
    if (!values.output) throw new UsageError('report needs -o report.html');
    const traces = await Promise.all(positionals.map(async (f) => (await detectFileKind(f)) === 'torch-trace'));
    const nonce = randomBytes(16).toString('base64');
    let html: string;
    if (traces.some(Boolean)) {
      if (!traces.every(Boolean))
        throw new UsageError('report takes either CPU profiles or PyTorch traces, not both in one report');
      const views = [];
      const parts = [];
      for (const f of positionals) {
        const trace = await openTorchTrace(f, WHAT, readingStatus(f));
        // The timeline goes in when its columns fit the report's size (REPORT_TIMELINE_MAX_BYTES).
        views.push({ ...buildTraceView(trace, path.basename(f)), timelineColumns: packTimeline(torchTimeline(trace)) });
        parts.push({ trace, label: rankLabel(trace, path.basename(f)) });
      }
      // Several traces in one report are the ranks of a run: each view carries their comparison.
      if (views.length > 1) {
        const r = diagnoseRanks(parts);
        for (const v of views) v.rankDiagnosis = r;
      }
      html = buildHtmlReport(views, await webviewAssets('torch'), nonce);
    } else {
      const inputs = [];
      const first = [];
      for (const f of positionals) {
        announceReading([f]);
        const profile = await openProfile(f, WHAT);
        // Where a recorded source is here (as recorded, or beside the profile), its `def` lines.
        const read = async (file: string) => {
          for (const p of path.isAbsolute(file) ? [file] : [file, path.join(path.dirname(f), file)]) {
            const text = await fs.readFile(p, 'utf8').catch(() => undefined);
            if (text !== undefined) return text;
          }
          return undefined;
        };
        const defs = await definitionLines(profile, read);
        inputs.push({ title: path.basename(f), profile: profileToJson(profile), defLines: [...defs] });
        // Drawn before the page reads the profile: large profiles show at once.
        const session = new ProfileSession(profile);
        session.setDefinitionLines(defs);
        first.push(firstView(session, path.basename(f)));
      }
      html = buildHtmlReport(inputs, await webviewAssets('flamegraph'), nonce, first);
    }
    await writeOutput(values.output, html, positionals);
    if (values.output !== '-')
      process.stderr.write(`flamelens: wrote ${values.output} (${(html.length / 1024).toFixed(0)} KiB)\n`);
    return 0;
  },
};
