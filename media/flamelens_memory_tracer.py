"""flamelens' built-in Python heap profiler: needs nothing but the Python interpreter (tracemalloc).

Runs a script (or `-m module`) in this process with tracemalloc on (1 frame by default: the line
that allocated; --frames N records stacks for the flame graph, at more cost), and writes what
each source line holds: at the end (net), at the peak of traced memory (a snapshot is taken each
time a background thread sees the traced memory 10% above the last one kept, so the last is
within that of the true peak), and over time (every --period seconds, the lines' held bytes,
for leak candidates); and the count of live objects by type at the start and the end (as
Pympler's summary diff). Writes JSON, atomically, when the program ends (also by an exception,
sys.exit or SIGINT/SIGTERM).

    python flamelens_memory_tracer.py --output OUT.json [--frames 1] [--period 1.0]
                                      -- script.py [args...]     (or: -- -m module [args...])

Run, never imported, by flamelens.
"""
import ast
import gc
import itertools
import json
import os
import runpy
import signal
import sys
import threading
import time
import tracemalloc
from collections import Counter

_HERE = os.path.abspath(__file__)
# Allocations of the tracer itself, of tracemalloc's snapshots and of runpy starting the
# program: not the program's (and, in a stack, the frames below the program's).
OWN = {_HERE, __file__, tracemalloc.__file__, "<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>",
       "<frozen runpy>", runpy.__file__}
RUNPY = {"<frozen runpy>", runpy.__file__}
TOP_LINES = 500
SERIES_LINES = 200
WATCH_S = 0.05
BUDGET = 0.02


def type_counts():
    """Live objects by type: those the garbage collector tracks and, as Pympler counts them, the
    untracked ones they hold (strings, numbers, bytes and bytearrays). Counted with C-level
    iteration (Counter over map, a dict by id): a Python loop over every object took most of the
    tracer's own time on an allocation-heavy program."""
    objs = gc.get_objects()
    by_type = Counter(map(type, objs))
    refs = gc.get_referents(*objs)
    del objs
    held = dict(zip(map(id, refs), refs))
    del refs
    by_type.update(map(type, itertools.filterfalse(gc.is_tracked, held.values())))
    del held
    counts = {}
    for t, n in by_type.items():
        key = "%s.%s" % (t.__module__, t.__qualname__) if t.__module__ != "builtins" else t.__qualname__
        counts[key] = counts.get(key, 0) + n
    return counts


def programs(frames):
    """Whether an allocation (its frames, most recent first; the frame that allocated is not the
    tracer's) is the program's: the first of the tracer's frames met going out is runpy running
    the program, or none was recorded."""
    for f in frames:
        if f[0] in OWN:
            return f[0] in RUNPY
    return True


def group(snap, with_stacks):
    """Bytes and blocks per line (the frame that allocated) and, when `with_stacks`, per stack:
    {key: (bytes, blocks)}, the tracer's own allocations left out. Read from the snapshot's raw
    traces (domain, size, frames most recent first, ...) as Snapshot.statistics reads them, but
    the sizes are appended to a list per key and summed at the end: while tracemalloc traces,
    every object made here is traced too, and statistics() (a Statistic per key, a new int per
    addition) took 25 times as long as this on a traced half-million blocks."""
    raw = getattr(snap.traces, "_traces", None)
    if raw is None:  # not CPython's layout: through the public API
        raw = [(0, t.size, tuple((f.filename, f.lineno) for f in reversed(t.traceback)), 0) for t in snap.traces]
    del snap
    by_line = {}
    by_stack = {}
    for trace in raw:
        frames = trace[2]
        if not frames or frames[0][0] in OWN or (len(frames) > 1 and not programs(frames)):
            continue
        sizes = by_line.get(frames[0])
        if sizes is None:
            by_line[frames[0]] = sizes = []
        sizes.append(trace[1])
        if with_stacks:
            sizes = by_stack.get(frames)
            if sizes is None:
                by_stack[frames] = sizes = []
            sizes.append(trace[1])
    del raw
    return ({k: (sum(v), len(v)) for k, v in by_line.items()},
            {k: (sum(v), len(v)) for k, v in by_stack.items()})


class Tracer:
    def __init__(self, output, frames, period):
        self.output = output
        self.frames = frames
        self.period = period
        self.started = time.perf_counter()
        self.peak_snapshot = None
        self.peak_bytes = 0
        self.peak_at = 0.0
        self.kept_bytes = 0
        self.series_t = []
        self.series = []  # per period: {(file, line): bytes}
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.written = False
        self.notes = []
        self.types_before = {}
        self.spent = 0.0
        self.types_s = 0.0
        self.last_cost = 0.0

    def affordable(self, now):
        """Snapshots cost time in proportion to the live blocks: they are taken only while their
        total stays under BUDGET of the run's time (the next one is guessed to cost the last)."""
        return self.spent + self.last_cost <= BUDGET * now

    def summary(self, now_peak):
        """A snapshot boiled down at once to bytes and blocks per line (and per stack with
        --frames), its whole cost counted in the budget: a raw snapshot kept alive would hold a
        tuple per live block for every full collection of the program to walk."""
        t0 = time.perf_counter()
        grouped = group(tracemalloc.take_snapshot(), now_peak and self.frames > 1)
        self.last_cost = time.perf_counter() - t0
        self.spent += self.last_cost
        return grouped

    def watch(self):
        next_period = self.period
        while not self.stop.wait(WATCH_S):
            current, _peak = tracemalloc.get_traced_memory()
            now = time.perf_counter() - self.started
            if current > self.kept_bytes * 1.1 and current > 0 and self.affordable(now):
                grouped = self.summary(True)
                with self.lock:
                    self.peak_snapshot, self.kept_bytes, self.peak_at = grouped, current, now
            if now >= next_period and self.affordable(now):
                next_period = now + self.period
                lines, _ = self.summary(False)
                top = sorted(lines.items(), key=lambda kv: -kv[1][0])[:SERIES_LINES]
                with self.lock:
                    self.series_t.append(round(now, 4))
                    self.series.append({k: v[0] for k, v in top})

    def write(self, exit_code):
        with self.lock:
            if self.written:
                return
            self.written = True
        self.stop.set()
        t_write = time.perf_counter()
        snap = tracemalloc.take_snapshot()
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        end = group(snap, self.frames > 1)
        del snap
        if self.peak_snapshot is None or current >= self.kept_bytes:
            self.peak_snapshot, self.kept_bytes, self.peak_at = end, current, time.perf_counter() - self.started
        lines = {}
        for which, (by_line, _stacks) in (("net", end), ("peak", self.peak_snapshot)):
            for (filename, lineno), (size, count) in by_line.items():
                row = lines.setdefault((filename, lineno), {"file": filename, "line": lineno,
                                                            "netBytes": 0, "netBlocks": 0, "peakBytes": 0, "peakBlocks": 0})
                row[which + "Bytes"] += size
                row[which + "Blocks"] += count
        top = sorted(lines.values(), key=lambda r: -max(r["peakBytes"], r["netBytes"]))[:TOP_LINES]
        names = FunctionNames()
        for r in top:
            r["function"] = names.at(r["file"], r["line"])
        by_stack = sorted(self.peak_snapshot[1].items(), key=lambda kv: -kv[1][0])[:TOP_LINES]
        # Innermost frame first; the tracer's and runpy's frames below the program's left out.
        stacks = [{"bytes": size, "blocks": count,
                   "frames": [[f, n, names.at(f, n)] for f, n in tb if f not in OWN]}
                  for tb, (size, count) in by_stack]
        keys = sorted({k for p in self.series for k in p}, key=lambda k: -max(p.get(k, 0) for p in self.series))[:SERIES_LINES]
        after = type_counts()
        types = [{"type": t, "before": self.types_before.get(t, 0), "after": after.get(t, 0),
                  "delta": after.get(t, 0) - self.types_before.get(t, 0)}
                 for t in set(after) | set(self.types_before)]
        types = sorted((t for t in types if t["delta"] != 0), key=lambda t: -abs(t["delta"]))[:100]
        out = {
            "kind": "flamelens-python-memory", "version": 1,
            "python": sys.version.split()[0], "frames": self.frames,
            "durationS": round(time.perf_counter() - self.started, 4), "exitCode": exit_code,
            "peakBytes": max(peak, self.kept_bytes), "peakSnapshotBytes": self.kept_bytes, "peakAtS": round(self.peak_at, 4),
            "finalBytes": current,
            "lines": top,
            "stacks": stacks,
            "series": {"t": self.series_t,
                       "lines": [{"file": k[0], "line": k[1], "bytes": [p.get(k, 0) for p in self.series]} for k in keys]},
            "types": types,
            "notes": self.notes,
        }
        # The tracer's own time, as it measures it: object counts, snapshots, this summary.
        out["tracerS"] = round(self.spent + self.types_s + time.perf_counter() - t_write, 4)
        tmp = self.output + ".tmp"
        with open(tmp, "w") as f:
            json.dump(out, f)
        os.replace(tmp, self.output)


class FunctionNames:
    """The function a line is in, from the source (ast), cached per file."""

    def __init__(self):
        self.files = {}

    def at(self, filename, line):
        spans = self.files.get(filename)
        if spans is None:
            spans = []
            try:
                with open(filename, "rb") as f:
                    tree = ast.parse(f.read())
                # Functions are statements: only statement bodies are walked, not expressions.
                todo = [tree]
                while todo:
                    node = todo.pop()
                    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        spans.append((node.lineno, getattr(node, "end_lineno", node.lineno), node.name))
                    for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                        sub = getattr(node, field, None)
                        if isinstance(sub, list):
                            todo.extend(sub)
            except Exception:  # noqa: BLE001 - no source, or not Python: no function name
                pass
            self.files[filename] = spans
        best = "<module>"
        size = None
        for start, end, name in spans:
            if start <= line <= end and (size is None or end - start < size):
                best, size = name, end - start
        return best


def main(argv):
    if "--" not in argv:
        raise SystemExit("usage: flamelens_memory_tracer.py --output OUT.json [--frames N] [--period S] -- script.py [args]")
    i = argv.index("--")
    opts, rest = argv[:i], argv[i + 1:]
    output, frames, period = None, 1, 1.0
    k = 0
    while k < len(opts):
        if opts[k] == "--output":
            output = opts[k + 1]
        elif opts[k] == "--frames":
            frames = max(1, int(opts[k + 1]))
        elif opts[k] == "--period":
            period = max(0.05, float(opts[k + 1]))
        k += 2
    if not output or not rest:
        raise SystemExit("flamelens memory tracer: --output and a script to run are needed")
    tracer = Tracer(os.path.abspath(output), frames, period)
    t0 = time.perf_counter()
    tracer.types_before = type_counts()
    tracer.types_s = time.perf_counter() - t0
    is_module = rest[0] == "-m"
    target = rest[1] if is_module else rest[0]
    sys.argv = rest[1:] if is_module else rest

    def on_signal(signum, _frame):
        tracer.notes.append("stopped by signal %d" % signum)
        tracer.write(128 + signum)
        os._exit(128 + signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            signal.signal(sig, on_signal)
        except (ValueError, OSError):
            pass
    # What the tracer and runpy set up is done before tracing starts, so that it is not counted as
    # the program's: the watcher thread, and pkgutil, which runpy imports on first use.
    import pkgutil  # noqa: F401
    watcher = threading.Thread(target=tracer.watch, name="flamelens-memory", daemon=True)
    watcher.start()
    tracemalloc.start(frames)
    code = 0
    # The program's module globals, kept until the end is counted: runpy drops its module when
    # the run returns, and a collection could then free what the program still held at its end.
    kept = None
    try:
        if is_module:
            kept = runpy.run_module(target, run_name="__main__", alter_sys=True)
        else:
            sys.path[0] = os.path.dirname(os.path.abspath(target))
            kept = runpy.run_path(os.path.abspath(target), run_name="__main__")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:  # noqa: BLE001 - the program's own failure: keep what was traced
        import traceback
        traceback.print_exc()
        code = 1
    tracer.write(code)
    del kept
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
