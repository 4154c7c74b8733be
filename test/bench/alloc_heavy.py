"""An allocation-heavy loop for `npm run bench pythonMemory`: builds and drops lists of small dicts
and strings, a few hundred thousand allocations a second, keeping a growing share."""
import sys

kept = []
rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 40
for r in range(rounds):
    batch = [{"i": i, "s": "x" * (i % 64), "t": (i, r)} for i in range(20000)]
    kept.append(batch[:: 50])
    del batch
print(sum(len(b) for b in kept))
