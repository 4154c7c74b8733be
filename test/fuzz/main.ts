// `npm run fuzz [CASES] [SEED]`: the longer fuzz run. Prints how many cases ran per parser and
// the slowest case; exits 1 at the first finding (fast-check prints the shrunk input).
import { TARGETS } from './targets';
import { fuzzTarget, fuzzSqlite, fuzzPickle } from './run';
import { describeScaling, runScalingCase, scalingCases } from './scaling';
import { specialFileFindings } from './specialFiles';

async function main(): Promise<void> {
  const cases = Number(process.argv[2] ?? 3000);
  const seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
  console.log(
    `fuzz: ${cases} cases per parser (the SQLite reader: ${Math.max(50, Math.round(cases / 20))}), seed ${seed}`,
  );
  let total = 0;
  const t0 = performance.now();
  for (const t of TARGETS) {
    const r = await fuzzTarget(t, cases, seed);
    total += r.cases;
    console.log(`  ${r.name}: ${r.cases} cases, slowest ${r.slowestMs.toFixed(0)} ms`);
  }
  const s = await fuzzSqlite(Math.max(50, Math.round(cases / 20)), seed);
  total += s.cases;
  console.log(`  ${s.name}: ${s.cases} cases, slowest ${s.slowestMs.toFixed(0)} ms`);
  const p = await fuzzPickle(cases, seed);
  total += p.cases;
  console.log(`  ${p.name}: ${p.cases} cases, slowest ${p.slowestMs.toFixed(0)} ms`);
  // Growth with size (the built CLI, N and 2N): memory must follow the input, never its square.
  const scale = Number(process.env.FLAMELENS_FUZZ_SCALE ?? 1);
  console.log(`scaling (built CLI, sizes divided by ${scale}):`);
  for (const c of scalingCases(scale)) {
    const r = await runScalingCase(c);
    console.log(describeScaling(r));
    if (r.problem) throw new Error(`scaling: ${r.name}: ${r.problem}`);
  }
  const special = await specialFileFindings();
  console.log(`special files: ${special.checked} paths refused at once, naming them`);
  if (special.findings.length) throw new Error(`special files: ${special.findings.join('; ')}`);
  console.log(`fuzz: ${total} cases, no finding, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
