"""flamelens' PyTorch profiler launcher: profiles a script without changing it.

    python flamelens_torch_launcher.py --output-dir DIR [--wait 1] [--warmup 1] [--active 3]
        [--repeat 1] [--shapes] [--stack] [--memory] [--no-cuda] -- script.py [args...]
                                                             (or: -- -m module [args...])

Starts torch.profiler.profile with CPU and, when available, CUDA activities around the script,
run in this process as __main__. Training steps are found automatically: every optimizer
step() advances the profiler's schedule (wait, warmup, active, repeat). A script that never
steps an optimizer is profiled whole. Writes into DIR:
  trace-<n>.pt.trace.json   one Chrome trace per active cycle (Kineto's object form on torch
                            2.x; the legacy bare array where Kineto is not built in, e.g.
                            Debian's torch 1.13)
  key_averages.json         key_averages() of the profiled steps, to check the tables against
  launcher.json             torch version, activities used, features that fell back, steps seen
Features the installed torch lacks are turned off with a note in launcher.json, not an error.
Run, never imported, by flamelens.
"""
import json
import os
import runpy
import signal
import sys
import time


def parse(argv):
    if "--" not in argv:
        raise SystemExit("usage: flamelens_torch_launcher.py --output-dir DIR [options] -- script.py [args]")
    split = argv.index("--")
    opts = {"output-dir": None, "wait": 1, "warmup": 1, "active": 3, "repeat": 1,
            "shapes": False, "stack": False, "memory": False, "no-cuda": False}
    own = argv[:split]
    i = 0
    while i < len(own):
        flag = own[i].lstrip("-")
        if flag in ("shapes", "stack", "memory", "no-cuda"):
            opts[flag] = True
        elif flag in ("output-dir", "wait", "warmup", "active", "repeat") and i + 1 < len(own):
            opts[flag] = own[i + 1] if flag == "output-dir" else int(own[i + 1])
            i += 1
        else:
            raise SystemExit("flamelens torch launcher: unknown option %s" % own[i])
        i += 1
    if not opts["output-dir"]:
        raise SystemExit("flamelens torch launcher: --output-dir is required")
    return opts, argv[split + 1:]


def main(argv):
    opts, rest = parse(argv)
    if not rest:
        raise SystemExit("flamelens torch launcher: nothing to run after --")
    out = opts["output-dir"]
    os.makedirs(out, exist_ok=True)
    info = {"launcher": 1, "python": sys.version.split()[0], "notes": [], "steps": 0, "traces": []}
    try:
        import torch
        from torch.profiler import ProfilerAction, ProfilerActivity, profile, schedule
    except Exception as e:  # noqa: BLE001 - any import failure means: no usable torch
        # Said once, by whoever started the launcher (from launcher.json), naming this interpreter.
        info["error"] = "cannot import torch: %s" % e
        info["executable"] = sys.executable
        write_json(os.path.join(out, "launcher.json"), info)
        return 3
    info["torch"] = torch.__version__
    kineto = bool(getattr(torch.autograd, "kineto_available", lambda: False)())
    info["kineto"] = kineto
    activities = [ProfilerActivity.CPU]
    cuda = (not opts["no-cuda"]) and torch.cuda.is_available()
    if cuda and hasattr(ProfilerActivity, "CUDA"):
        activities.append(ProfilerActivity.CUDA)
    elif cuda:
        info["notes"].append("CUDA activity is not available in this torch build")
    info["activities"] = [str(a).split(".")[-1] for a in activities]
    info["snapshots"] = []
    recording = opts["memory"] and start_memory_history(torch, cuda, out, info)
    with_stack = opts["stack"]
    if with_stack and not kineto:
        info["notes"].append("with_stack: the legacy profiler does not export Python stacks in its trace")
    is_module = rest[0] == "-m"
    if is_module:
        rest = rest[1:]
    target, args = rest[0], rest[1:]

    cycle = [0]
    steps_seen = [0]
    setup_pending = [True]

    def on_ready(prof):
        if setup_pending[0] and steps_seen[0] == 1:
            # The recording before the first optimizer step (set-up, model build): training
            # steps follow, so this part is not kept.
            setup_pending[0] = False
            return
        setup_pending[0] = False
        cycle[0] += 1
        path = os.path.join(out, "trace-%d.pt.trace.json" % cycle[0])
        prof.export_chrome_trace(path)
        info["traces"].append(os.path.basename(path))

    prof_holder = {}
    kwargs = dict(activities=activities, record_shapes=opts["shapes"], with_stack=with_stack,
                  profile_memory=opts["memory"])
    steps = schedule(wait=opts["wait"], warmup=opts["warmup"], active=opts["active"], repeat=opts["repeat"])

    # Leaving the set-up recording for a waiting step is intended here; torch warns about it.
    import warnings
    warnings.filterwarnings("ignore", message="Incorrect schedule")

    def sched(step):
        # Step 0 is everything before the first optimizer step: recorded, so that a script
        # without an optimizer is profiled whole; dropped as soon as a training step shows up.
        if step == 0:
            return ProfilerAction.RECORD
        return steps(step - 1)

    # Every optimizer step advances the schedule. torch 2.x has a global post-step hook;
    # older versions get each optimizer's step wrapped when it is created.
    def after_step(*_a, **_k):
        steps_seen[0] += 1
        p = prof_holder.get("prof")
        if p is not None:
            p.step()

    optim_mod = getattr(torch.optim, "optimizer", None)
    hook = getattr(optim_mod, "register_optimizer_step_post_hook", None)
    original_init = None
    if hook is not None:
        handle = hook(after_step)
    else:
        handle = None
        original_init = torch.optim.Optimizer.__init__

        def init(self, *a, **k):
            original_init(self, *a, **k)
            step = self.step

            def stepped(*sa, **sk):
                r = step(*sa, **sk)
                after_step()
                return r

            self.step = stepped

        torch.optim.Optimizer.__init__ = init

    def on_signal(signum, _frame):
        signal.signal(signum, signal.SIG_DFL)
        raise KeyboardInterrupt

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            signal.signal(sig, on_signal)
        except (ValueError, OSError):
            pass

    code = 0
    started = time.time()
    sys.argv = [target] + args
    prof = profile(schedule=sched, on_trace_ready=on_ready, **kwargs)
    prof_holder["prof"] = prof
    try:
        with prof:
            try:
                if is_module:
                    runpy.run_module(target, run_name="__main__", alter_sys=True)
                else:
                    sys.path[0] = os.path.dirname(os.path.abspath(target))
                    runpy.run_path(target, run_name="__main__")
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            except KeyboardInterrupt:
                code = 130
                info["notes"].append("stopped before the end")
            except BaseException as e:  # noqa: BLE001 - the program's own failure: keep the trace
                import traceback
                # An out-of-memory error the observer did not see (older torch): the snapshot now.
                if recording and type(e).__name__ == "OutOfMemoryError" and "oom_snapshot.pickle" not in info["snapshots"]:
                    dump_snapshot(torch, out, "oom_snapshot.pickle", info)
                traceback.print_exc()
                code = 1
    finally:
        prof_holder.pop("prof", None)
        if handle is not None:
            handle.remove()
        if original_init is not None:
            torch.optim.Optimizer.__init__ = original_init
    if recording:
        dump_snapshot(torch, out, "memory_snapshot.pickle", info)
        try:
            torch.cuda.memory._record_memory_history(enabled=None)
        except Exception:  # noqa: BLE001 - torch 2.0's signature
            pass
    info["steps"] = steps_seen[0]
    if steps_seen[0] == 0:
        info["notes"].append("no optimizer step was seen: the whole run was profiled")
    elif not info["traces"]:
        info["notes"].append("%d optimizer steps did not reach an active cycle (wait %d, warmup %d): nothing recorded"
                             % (steps_seen[0], opts["wait"], opts["warmup"]))
    averages = prof.key_averages() if info["traces"] else []
    rows = [{"name": e.key, "calls": e.count, "selfCpuUs": e.self_cpu_time_total, "totalCpuUs": e.cpu_time_total,
             "selfDeviceUs": getattr(e, "self_cuda_time_total", 0) or 0, "totalDeviceUs": getattr(e, "cuda_time_total", 0) or 0}
            for e in averages]
    write_json(os.path.join(out, "key_averages.json"), {"torch": info["torch"], "rows": rows})
    info["seconds"] = round(time.time() - started, 3)
    info["exitCode"] = code
    write_json(os.path.join(out, "launcher.json"), info)
    return code


def start_memory_history(torch, cuda, out, info):
    """Records the CUDA allocator's history (with stacks) for the snapshots, and one at an
    out-of-memory error (an observer, so a program that catches the error still leaves it)."""
    mem = getattr(getattr(torch, "cuda", None), "memory", None)
    if not cuda or mem is None or not hasattr(mem, "_record_memory_history"):
        info["notes"].append("no CUDA device (or a torch without _record_memory_history): no allocator snapshot")
        return False
    try:
        mem._record_memory_history(max_entries=1000000)
    except TypeError:  # torch 2.0: (enabled, record_context, trace_alloc_max_entries, ...)
        mem._record_memory_history(True, trace_alloc_max_entries=1000000)
    attach = getattr(torch._C, "_cuda_attach_out_of_memory_observer", None)
    if attach is not None:
        def observer(device, alloc, device_alloc, device_free):
            if "oom_snapshot.pickle" not in info["snapshots"]:
                dump_snapshot(torch, out, "oom_snapshot.pickle", info)
        attach(observer)
    return True


def dump_snapshot(torch, out, name, info):
    try:
        torch.cuda.memory._dump_snapshot(os.path.join(out, name))
        info["snapshots"].append(name)
    except Exception as e:  # noqa: BLE001 - a snapshot that cannot be written is said, not fatal
        info["notes"].append("could not write %s: %s" % (name, e))


def write_json(path, value):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(value, f, indent=1)
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
