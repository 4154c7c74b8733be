"""flamelens benchmark helper: times a Python callable in-process, or prints the environment.

    python flamelens_bench.py run --callable MODULE:FUNCTION [--setup MODULE:FUNCTION]
        [--warmup N] [--warmup-time S] [--runs N] [--min-runs N] [--time-budget S]
        [--cuda auto|events|sync|off] [--disable-gc] [--calibrate] --out FILE
    python flamelens_bench.py fingerprint

GPU work runs asynchronously: a wall clock around a call that launches CUDA kernels measures the
launches, not the work. When the callable uses CUDA (auto: torch is imported and CUDA is
initialised after the first warmup call), each call is timed with CUDA events after a
synchronisation (events), or with the wall clock between two synchronisations (sync).

The result (samples in seconds, the timing used, notes, an error if one happened) is written to
--out through a temporary file and a rename, also when the run is interrupted or the callable
raises: what was measured until then is kept.

With --calibrate (wall timing only), a fixed pure-Python probe is timed five times before the
first measured call and once after each: its median ("calibration") says how fast this process
found the machine. A process that landed on a CPU shared with a neighbour, or ran while the clock
was low, is slow in both, so comparisons can take the machine's speed out of the benchmark's.
"""
import argparse
import gc
import importlib
import json
import os
import platform
import sys
import time
import traceback


def load(spec, what):
    module_name, _, attr = spec.partition(":")
    try:
        obj = importlib.import_module(module_name)
    except Exception as e:  # noqa: BLE001 - reported to the user as is
        raise SystemExit(f"flamelens-bench: cannot import {what} module {module_name!r} from {os.getcwd()}: {type(e).__name__}: {e}")
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise SystemExit(f"flamelens-bench: {what} {spec!r}: module {module_name!r} has no attribute {part!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise SystemExit(f"flamelens-bench: {what} {spec!r} is not callable")
    return obj


def bind(fn, prepared):
    if prepared is None:
        return fn
    if isinstance(prepared, tuple):
        return lambda: fn(*prepared)
    if isinstance(prepared, dict):
        return lambda: fn(**prepared)
    return lambda: fn(prepared)


def probe():
    """The calibration probe: a fixed mix of integer arithmetic, dict and list work (~0.5 ms)."""
    d = {}
    for i in range(3000):
        k = i & 255
        d[k] = d.get(k, 0) + i
    values = [x * 2 for x in range(2000)]
    return sum(values) + len(d)


def time_probe(into):
    t0 = time.perf_counter_ns()
    probe()
    into.append((time.perf_counter_ns() - t0) / 1e9)


def torch_cuda():
    torch = sys.modules.get("torch")
    try:
        if torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized():
            return torch
    except Exception:  # noqa: BLE001
        return None
    return None


def write_result(path, result):
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(result, f)
    os.replace(tmp, path)


def run(args):
    sys.path.insert(0, os.getcwd())
    result = {"samples": [], "timing": "wall", "warmup": 0, "notes": []}
    try:
        fn = load(args.callable, "callable")
        prepared = load(args.setup, "setup")() if args.setup else None
        call = bind(fn, prepared)

        # Warmup: at least --warmup calls and at least --warmup-time seconds.
        start = time.perf_counter()
        done = 0
        timing = None
        cuda_torch = None
        while True:
            if done >= args.warmup and time.perf_counter() - start >= args.warmup_time:
                break
            call()
            if cuda_torch is not None:
                # Wait for the work: otherwise a timed warmup queues launches faster than the GPU
                # runs them, and the first measured call waits for all of them.
                cuda_torch.cuda.synchronize()
            done += 1
            if timing is None:
                timing = choose_timing(args.cuda, result["notes"])
                if timing != "wall":
                    cuda_torch = torch_cuda()
                    cuda_torch.cuda.synchronize()
                    if args.warmup_time == 0 and not args.warmup_time_given:
                        # Compilation, cuDNN autotuning and allocator growth happen in the first calls.
                        args.warmup_time = 1.0
        if timing is None:
            timing = choose_timing(args.cuda, result["notes"])
        result["warmup"] = done
        result["timing"] = timing
        print(f"flamelens-bench: {done} warmup calls, timing: {timing}", file=sys.stderr, flush=True)

        torch = torch_cuda() if timing != "wall" else None
        if args.disable_gc:
            gc.collect()
            gc.disable()
        samples = result["samples"]
        probes = [] if args.calibrate and timing == "wall" else None
        if probes is not None:
            for _ in range(5):
                time_probe(probes)
        measure_start = time.perf_counter()
        if torch is not None and timing == "cuda-events":
            start_ev = torch.cuda.Event(enable_timing=True)
            end_ev = torch.cuda.Event(enable_timing=True)
        while len(samples) < args.runs:
            if args.time_budget is not None and len(samples) >= args.min_runs and time.perf_counter() - measure_start >= args.time_budget:
                break
            if torch is None:
                t0 = time.perf_counter_ns()
                call()
                samples.append((time.perf_counter_ns() - t0) / 1e9)
                if probes is not None:
                    time_probe(probes)
            elif timing == "cuda-events":
                torch.cuda.synchronize()
                start_ev.record()
                call()
                end_ev.record()
                end_ev.synchronize()
                samples.append(start_ev.elapsed_time(end_ev) / 1e3)
            else:
                torch.cuda.synchronize()
                t0 = time.perf_counter_ns()
                call()
                torch.cuda.synchronize()
                samples.append((time.perf_counter_ns() - t0) / 1e9)
        if args.disable_gc:
            gc.enable()
        if probes:
            probes.sort()
            mid = len(probes) // 2
            result["calibration"] = probes[mid] if len(probes) % 2 else (probes[mid - 1] + probes[mid]) / 2
    except KeyboardInterrupt:
        result["error"] = "interrupted"
    except SystemExit as e:
        result["error"] = str(e.code) if e.code not in (None, 0) else "the callable called sys.exit()"
    except BaseException as e:  # noqa: BLE001 - the user's code may raise anything
        tb = traceback.format_exc().strip().splitlines()
        result["error"] = f"{type(e).__name__}: {e}\n" + "\n".join(tb[-8:])
    write_result(args.out, result)
    if result.get("error"):
        print(f"flamelens-bench: {result['error']}", file=sys.stderr, flush=True)
        return 1
    return 0


def choose_timing(mode, notes):
    if mode == "off":
        return "wall"
    torch = torch_cuda()
    if torch is None:
        if mode in ("events", "sync"):
            notes.append(f"cuda timing '{mode}' was asked for but CUDA is not in use; timed with the wall clock")
        return "wall"
    return "cuda-sync" if mode == "sync" else "cuda-events"


def fingerprint():
    info = {"python": {"version": platform.python_version(), "implementation": platform.python_implementation(), "executable": sys.executable}}
    try:
        import torch  # noqa: PLC0415 - optional

        t = {"version": torch.__version__, "cudaAvailable": bool(torch.cuda.is_available())}
        if getattr(torch.version, "cuda", None):
            t["cuda"] = torch.version.cuda
        try:
            if torch.backends.cudnn.is_available():
                t["cudnn"] = str(torch.backends.cudnn.version())
        except Exception:  # noqa: BLE001
            pass
        if t["cudaAvailable"]:
            t["devices"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        info["torch"] = t
    except Exception:  # noqa: BLE001 - torch is optional
        pass
    print(json.dumps(info))
    return 0


def main(argv):
    p = argparse.ArgumentParser(prog="flamelens_bench.py")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--callable", required=True)
    r.add_argument("--setup")
    r.add_argument("--warmup", type=int, default=3)
    r.add_argument("--warmup-time", type=float, default=None)
    r.add_argument("--runs", type=int, default=30)
    r.add_argument("--min-runs", type=int, default=5)
    r.add_argument("--time-budget", type=float)
    r.add_argument("--cuda", choices=["auto", "events", "sync", "off"], default="auto")
    r.add_argument("--disable-gc", action="store_true")
    r.add_argument("--calibrate", action="store_true")
    r.add_argument("--out", required=True)
    sub.add_parser("fingerprint")
    args = p.parse_args(argv)
    if args.cmd == "fingerprint":
        return fingerprint()
    args.warmup_time_given = args.warmup_time is not None
    if args.warmup_time is None:
        args.warmup_time = 0.0
    return run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
