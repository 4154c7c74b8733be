// Times of the largest hostile-but-valid inputs (test/fuzz/scaling: nesting to 1,000,000 levels,
// 10 million distinct stacks, a 2 GiB gzip bomb), read by the built CLI in a child process, each
// at N and 2N: wall time, peak resident memory, and the ratios for twice the input (linear:
// about 2; the quadratic code they replace: 4, or an abort). `npm run fuzz` asserts the memory
// ratio; this prints the figures. FLAMELENS_BENCH_SCALE divides the sizes (default 1).
import { describeScaling, runScalingCase, scalingCases } from '../fuzz/scaling';

async function main(): Promise<void> {
  const scale = Number(process.env.FLAMELENS_BENCH_SCALE ?? 1);
  console.log(`hostile inputs at N and 2N (sizes divided by ${scale}), flamelens analyze --json:`);
  for (const c of scalingCases(scale)) console.log(describeScaling(await runScalingCase(c)));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
