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
import json
import os
import runpy
import signal
import sys
import threading
import time
import tracemalloc

_HERE = os.path.abspath(__file__)
# Allocations of the tracer itself and of tracemalloc's snapshots: not the program's.
OWN = {_HERE, __file__, tracemalloc.__file__, "<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>"}
TOP_LINES = 500
SERIES_LINES = 200
WATCH_S = 0.05
BUDGET = 0.03


def type_counts():
    """Live objects by type: those the garbage collector tracks and, as Pympler counts them, the
    untracked ones they hold (strings, numbers, bytes and bytearrays)."""
    counts = {}

    def count(o):
        t = type(o)
        key = "%s.%s" % (t.__module__, t.__qualname__) if t.__module__ != "builtins" else t.__qualname__
        counts[key] = counts.get(key, 0) + 1

    objs = gc.get_objects()
    seen = set()
    for o in objs:
        count(o)
    for r in gc.get_referents(*objs):
        if not gc.is_tracked(r) and id(r) not in seen:
            seen.add(id(r))
            count(r)
    del objs
    return counts


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
        self.last_cost = 0.0

    def affordable(self, now):
        """Snapshots cost time in proportion to the live blocks: they are taken only while their
        total stays under BUDGET of the run's time (the next one is guessed to cost the last)."""
        return self.spent + self.last_cost <= BUDGET * now

    def timed_snapshot(self):
        t0 = time.perf_counter()
        snap = tracemalloc.take_snapshot()
        self.last_cost = time.perf_counter() - t0
        self.spent += self.last_cost
        return snap

    def watch(self):
        next_period = self.period
        while not self.stop.wait(WATCH_S):
            current, _peak = tracemalloc.get_traced_memory()
            now = time.perf_counter() - self.started
            if current > self.kept_bytes * 1.1 and current > 0 and self.affordable(now):
                snap = self.timed_snapshot()
                with self.lock:
                    self.peak_snapshot, self.kept_bytes, self.peak_at = snap, current, now
            if now >= next_period and self.affordable(now):
                next_period = now + self.period
                stats = self.timed_snapshot().statistics("lineno")[:SERIES_LINES]
                with self.lock:
                    self.series_t.append(round(now, 4))
                    self.series.append({(s.traceback[0].filename, s.traceback[0].lineno): s.size for s in stats
                                        if s.traceback[0].filename not in OWN})

    def write(self, exit_code):
        with self.lock:
            if self.written:
                return
            self.written = True
        self.stop.set()
        end = tracemalloc.take_snapshot()
        current, peak = tracemalloc.get_traced_memory()
        if self.peak_snapshot is None or current >= self.kept_bytes:
            self.peak_snapshot, self.kept_bytes, self.peak_at = end, current, time.perf_counter() - self.started
        tracemalloc.stop()
        lines = {}
        for which, snap in (("net", end), ("peak", self.peak_snapshot)):
            for s in snap.statistics("lineno"):
                f = s.traceback[0]
                if f.filename in OWN:
                    continue
                row = lines.setdefault((f.filename, f.lineno), {"file": f.filename, "line": f.lineno,
                                                                  "netBytes": 0, "netBlocks": 0, "peakBytes": 0, "peakBlocks": 0})
                row[which + "Bytes"] += s.size
                row[which + "Blocks"] += s.count
        top = sorted(lines.values(), key=lambda r: -max(r["peakBytes"], r["netBytes"]))[:TOP_LINES]
        names = FunctionNames()
        for r in top:
            r["function"] = names.at(r["file"], r["line"])
        stacks = []
        if self.frames > 1:
            for s in self.peak_snapshot.statistics("traceback")[:TOP_LINES]:
                if s.traceback[0].filename in OWN:
                    continue
                stacks.append({"bytes": s.size, "blocks": s.count,
                               "frames": [[f.filename, f.lineno, names.at(f.filename, f.lineno)] for f in s.traceback]})
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
                for node in ast.walk(tree):
                    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        spans.append((node.lineno, getattr(node, "end_lineno", node.lineno), node.name))
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
    tracer.types_before = type_counts()
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
    tracemalloc.start(frames)
    watcher = threading.Thread(target=tracer.watch, name="flamelens-memory", daemon=True)
    watcher.start()
    code = 0
    try:
        if is_module:
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        else:
            sys.path[0] = os.path.dirname(os.path.abspath(target))
            runpy.run_path(os.path.abspath(target), run_name="__main__")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:  # noqa: BLE001 - the program's own failure: keep what was traced
        import traceback
        traceback.print_exc()
        code = 1
    tracer.write(code)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
