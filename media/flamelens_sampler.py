"""flamelens' built-in sampling profiler: needs nothing but the Python interpreter.

Runs a script (or `-m module`) in this process and samples every thread's stack on a timer from
a background thread (`sys._current_frames`). Writes collapsed stacks in py-spy's raw frame
syntax, `func (file:line)`, one root frame per thread: `thread (0xID): name`, and after them the
samples in time order, one line per tick that caught a running thread:
`#@ START DURATION I J ...` (microseconds since the start, until the next tick; the numbers of
the stack lines sampled, from 0 in file order). Readers of plain collapsed stacks skip them as
comments. Only the first MAX_TIMED_TICKS ticks are kept in time order; the counts go on.

    python flamelens_sampler.py --output OUT.folded [--rate 100] [--duration S] [--idle]
                                 -- script.py [args...]     (or: -- -m module [args...])

The profile is written atomically: when the program ends (also by an exception or sys.exit),
when the duration is over, every couple of seconds while it runs, and at once on SIGINT/SIGTERM,
so a cancelled or crashing run keeps what was sampled. A thread counts in a sample only when it
was running at that moment (on the CPU for most of the millisecond after the snapshot, by its own
CPU clock): asleep, blocked or waiting for the GIL it is idle, as in py-spy; --idle counts every
thread. Where Python has no per-thread CPU clock (macOS, Windows) every thread counts. Run, never
imported, by flamelens.
"""
import os
import runpy
import signal
import sys
import threading
import time

_HERE = os.path.abspath(__file__)
MAX_TIMED_TICKS = 500000
_RUNPY_FILES = {"<frozen runpy>", os.path.abspath(runpy.__file__) if getattr(runpy, "__file__", None) else ""}


class Sampler:
    def __init__(self, output, rate, duration, include_idle):
        self.output = output
        self.interval = 1.0 / rate
        self.rate = rate
        self.duration = duration
        self.include_idle = include_idle
        self.counts = {}
        self.index = {}
        self.timed = []
        self.pending = None
        self.untimed = 0
        self.started_ns = 0
        self.samples = 0
        self.ticks = 0
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="flamelens-sampler", daemon=True)
        self.boundary_code = None
        self._switch = sys.getswitchinterval()
        self.started = 0.0
        self.finished = None
        self.status = "running"
        self.exit_code = None
        self.dirty = False
        self.pid = os.getpid()
        self.busy_ns = 0
        # How long threads run after a snapshot to tell running from waiting: short next to the
        # sampling interval, long next to a thread switch. While sampling, the GIL switch interval
        # is as short (restored at the end): the sampler waits that long for the GIL twice a tick,
        # and at CPython's 5 ms it fell behind exactly while the program computed.
        self.window = min(0.0005, self.interval / 4)
        self._cpu_clock = hasattr(time, "pthread_getcpuclockid") and hasattr(time, "clock_gettime_ns")

    def start(self, boundary_code):
        self.boundary_code = boundary_code
        self.started = time.time()
        self.started_ns = time.perf_counter_ns()
        self._switch = sys.getswitchinterval()
        if not self.include_idle:
            sys.setswitchinterval(min(self._switch, self.window))
        self.thread.start()

    def stop(self):
        self.stop_event.set()
        if threading.current_thread() is not self.thread and self.thread.is_alive():
            self.thread.join(timeout=2.0)
        sys.setswitchinterval(self._switch)

    def stopped(self):
        return self.stop_event.is_set()

    def _cpu_ns(self, ident):
        """The thread's CPU time in ns, or None where it cannot be read (no I/O, no GIL release)."""
        if not self._cpu_clock:
            return None
        try:
            return time.clock_gettime_ns(time.pthread_getcpuclockid(ident))
        except (OSError, ValueError, OverflowError):
            return None

    def _run(self):
        me = threading.get_ident()
        next_at = time.perf_counter()
        last_flush = time.monotonic()
        deadline = (time.monotonic() + self.duration) if self.duration else None
        while not self.stop_event.is_set():
            next_at += self.interval
            t0 = time.perf_counter_ns()
            taken = self._snapshot(me)
            self.busy_ns += time.perf_counter_ns() - t0
            if taken and not self.include_idle:
                # Whether each thread was running at the snapshot: let the threads run for a
                # moment (sleeping releases the GIL) and see which ones used the CPU right then.
                time.sleep(self.window)
            t1 = time.perf_counter_ns()
            self._count(taken, t0)
            self.busy_ns += time.perf_counter_ns() - t1
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                self.status = "duration"
                self.write()
                # The recording time is over: end the profiled program like a Ctrl-C would.
                import _thread
                _thread.interrupt_main()
                return
            if now - last_flush >= 2.0 and self.dirty:
                last_flush = now
                self.write()
            delay = next_at - time.perf_counter()
            if delay < 0:
                # Fell behind (the GIL was held): skip the missed ticks rather than burst.
                next_at = time.perf_counter()
                delay = 0
            # time.sleep, not Event.wait: a wait with a timeout allocates a lock and a
            # condition each time, which the profiled program pays for in GIL hand-offs.
            time.sleep(delay)

    def _snapshot(self, me):
        """Every other thread's stack now, with its CPU clock and the wall clock."""
        frames = sys._current_frames()
        active = threading._active  # ident -> Thread; read-only use
        boundary = self.boundary_code
        taken = []
        for ident, frame in frames.items():
            if ident == me:
                continue
            stack = []
            f = frame
            while f is not None:
                code = f.f_code
                if code is boundary:
                    break
                stack.append((code, f.f_lineno))
                f = f.f_back
            if f is None and stack and stack[-1][0].co_filename == _HERE:
                continue  # the sampler's own start-up and shut-down, not the program
            # Drop runpy's frames between our boundary and the target's <module>.
            while stack and stack[-1][0].co_filename in _RUNPY_FILES:
                stack.pop()
            if not stack:
                continue
            th = active.get(ident)
            name = th.name if th is not None else "thread"
            cpu = None if self.include_idle else self._cpu_ns(ident)
            taken.append((ident, name, tuple(stack), cpu, time.perf_counter_ns()))
        return taken

    def _count(self, taken, at_ns):
        """Counts the snapshot's stacks of the threads that were running: a thread whose CPU clock
        moved for at least half the wall time since the snapshot was on the CPU then; one asleep,
        blocked or waiting for the GIL was not (py-spy's rule: running, not waiting). Without a
        per-thread CPU clock (macOS, Windows) every thread counts, as with --idle."""
        with self.lock:
            self.ticks += 1
            at_us = (at_ns - self.started_ns) // 1000
            if self.pending is not None:
                # The previous tick's samples last until this tick.
                start, sampled = self.pending
                self.timed.append("#@ %d %d %s" % (start, at_us - start, " ".join(sampled)))
                self.pending = None
            sampled = []
            for ident, name, stack, cpu0, wall0 in taken:
                if cpu0 is not None:
                    cpu1 = self._cpu_ns(ident)
                    if cpu1 is not None and (cpu1 - cpu0) * 2 < time.perf_counter_ns() - wall0:
                        continue
                key = (ident, name, stack)
                count = self.counts.get(key)
                if count is None:
                    self.index[key] = str(len(self.index))
                    count = 0
                self.counts[key] = count + 1
                self.samples += 1
                sampled.append(self.index[key])
            if sampled:
                if len(self.timed) < MAX_TIMED_TICKS:
                    self.pending = (at_us, sampled)
                else:
                    self.untimed += 1
            self.dirty = True

    def render(self):
        names = {}

        def frame_text(code, line):
            key = (code, line)
            text = names.get(key)
            if text is None:
                fname = code.co_filename
                text = "%s (%s:%d)" % (code.co_name, fname, line or 0) if line else "%s (%s)" % (code.co_name, fname)
                text = text.replace(";", ":").replace("\n", " ")
                names[key] = text
            return text

        out = [
            "# flamelens-sampler: 1",
            "# rate: %g" % self.rate,
            "# python: %s" % sys.version.split()[0],
            "# pid: %d" % self.pid,
            "# samples: %d" % self.samples,
            "# ticks: %d" % self.ticks,
            "# sampler-busy-ms: %.1f" % (self.busy_ns / 1e6),
            "# status: %s" % self.status,
        ]
        if self.exit_code is not None:
            out.append("# exit-code: %s" % self.exit_code)
        out.append("# timed-ticks: %d" % (len(self.timed) + (self.pending is not None)))
        if self.untimed:
            out.append("# untimed-ticks: %d" % self.untimed)
        for (ident, tname, stack), count in self.counts.items():
            thread_frame = "thread (0x%x): %s" % (ident, tname.replace(";", ":"))
            parts = [thread_frame] + [frame_text(c, l) for c, l in reversed(stack)]
            out.append("%s %d" % (";".join(parts), count))
        out.extend(self.timed)
        if self.pending is not None:
            # The last tick so far: it lasts one interval (the next one has not come).
            start, sampled = self.pending
            out.append("#@ %d %d %s" % (start, self.interval * 1e6, " ".join(sampled)))
        return "\n".join(out) + "\n"

    def write(self):
        if os.getpid() != self.pid:
            return  # a forked child must not overwrite the parent's profile
        with self.lock:
            text = self.render()
            self.dirty = False
        tmp = "%s.%d.tmp" % (self.output, os.getpid())
        with open(tmp, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)
        os.replace(tmp, self.output)


def _run_target(target, args, is_module):
    if is_module:
        sys.argv = [target] + args
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
        path = os.path.abspath(target)
        sys.argv = [target] + args
        sys.path[0] = os.path.dirname(path)
        runpy.run_path(path, run_name="__main__")


def main(argv):
    if "--" not in argv:
        print("usage: flamelens_sampler.py --output FILE [--rate HZ] [--duration S] [--idle] -- script.py [args]", file=sys.stderr)
        return 2
    split = argv.index("--")
    opts = {"output": None, "rate": 100.0, "duration": 0.0, "idle": False}
    own = argv[:split]
    i = 0
    try:
        while i < len(own):
            flag = own[i]
            if flag == "--idle":
                opts["idle"] = True
            elif flag in ("--output", "--rate", "--duration") and i + 1 < len(own):
                value = own[i + 1]
                opts[flag[2:]] = value if flag == "--output" else float(value)
                i += 1
            else:
                raise ValueError("unknown option %s" % flag)
            i += 1
    except ValueError as e:
        print("flamelens sampler: %s" % e, file=sys.stderr)
        return 2
    if not opts["output"]:
        print("flamelens sampler: --output FILE is required", file=sys.stderr)
        return 2
    rest = argv[split + 1:]
    if not rest:
        print("flamelens sampler: nothing to run after --", file=sys.stderr)
        return 2
    is_module = rest[0] == "-m"
    if is_module:
        rest = rest[1:]
        if not rest:
            print("flamelens sampler: -m needs a module name", file=sys.stderr)
            return 2
    target, args = rest[0], rest[1:]
    if opts["rate"] <= 0 or opts["rate"] > 10000:
        print("flamelens sampler: --rate must be between 0 and 10000 Hz", file=sys.stderr)
        return 2

    sampler = Sampler(opts["output"], opts["rate"], opts["duration"], opts["idle"])

    def on_signal(signum, _frame):
        sampler.status = "cancelled"
        sampler.stop()
        sampler.write()
        signal.signal(signum, signal.SIG_DFL)
        raise KeyboardInterrupt

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            signal.signal(sig, on_signal)
        except (ValueError, OSError):
            pass

    code = 0
    sampler.start(_run_target.__code__)
    try:
        _run_target(target, args, is_module)
        sampler.status = "completed"
    except SystemExit as e:
        sampler.status = "completed"
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if e.code is not None and not isinstance(e.code, int):
            print(e.code, file=sys.stderr)
    except KeyboardInterrupt:
        if sampler.status == "running":
            sampler.status = "cancelled"
        code = 130
    except BaseException:
        import traceback
        sampler.status = "crashed"
        traceback.print_exc()
        code = 1
    finally:
        sampler.stop()
        sampler.exit_code = code
        sampler.write()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
