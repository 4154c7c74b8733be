"""Writes a synthetic CUDA allocator snapshot shaped like torch 2.6's (_dump_snapshot): segments
with blocks, and a history of N entries (alloc / free_requested / free_completed with time_us,
compile_context, user_metadata and frames, C++ and Python), for `npm run bench torchMemory`.
With `shared`, as real snapshots are (the torch 2.11 H200 one: 15,352 frame references to 278
distinct frame dicts), the frame dicts are shared objects and each entry has a new list of them
(the pickle holds each frame once and refers to it); without, every entry has its own copies.
Usage: make_snapshot.py OUT ENTRIES [PYTHON_FRAMES_PER_STACK] [shared]"""
import pickle
import random
import sys

out, n = sys.argv[1], int(sys.argv[2])
depth = int(sys.argv[3]) if len(sys.argv) > 3 else 7
shared = len(sys.argv) > 4 and sys.argv[4] == "shared"
rnd = random.Random(7)
files = [f"/home/user/project/model/layer{i}.py" for i in range(40)] + [
    "/usr/lib/python3/dist-packages/torch/nn/modules/module.py",
    "/usr/lib/python3/dist-packages/torch/_tensor.py",
]
names = ["forward", "attention", "mlp", "step", "train", "loss", "backward", "_call_impl"]
cpp = [{"name": "torch::unwind::unwind()", "filename": "??", "line": 0}]
stacks = []
pool = {}
for k in range(400):
    st = [dict(f) for f in cpp]
    for d in range(depth):
        f = {"name": rnd.choice(names), "filename": rnd.choice(files), "line": rnd.randint(1, 400)}
        st.append(pool.setdefault((f["name"], f["filename"], f["line"]), f) if shared else f)
    stacks.append(st)
if shared:
    stacks = [[pool.setdefault((f["name"], f["filename"], f["line"]), f) for f in st] for st in stacks]


def frames_of(stack):
    return list(stack) if shared else [dict(f) for f in stack]

live = {}
trace = []
t = 1_700_000_000_000_000
addr_next = 0x7F0000000000
for i in range(n):
    t += rnd.randint(1, 20)
    if live and (len(live) > 2000 or rnd.random() < 0.48):
        a = rnd.choice(list(live.keys())) if len(live) < 64 else next(iter(live))
        size = live.pop(a)
        for action in ("free_requested", "free_completed"):
            trace.append({"action": action, "addr": a, "size": size, "stream": 0, "time_us": t,
                          "compile_context": "N/A", "user_metadata": "",
                          "frames": frames_of(rnd.choice(stacks))})
    else:
        size = rnd.choice([512, 4096, 1 << 20, 4 << 20, 16 << 20])
        a = addr_next
        addr_next += size
        live[a] = size
        trace.append({"action": "alloc", "addr": a, "size": size, "stream": 0, "time_us": t,
                      "compile_context": "N/A", "user_metadata": "",
                      "frames": frames_of(rnd.choice(stacks))})
segments = []
for a, size in list(live.items())[:2000]:
    segments.append({"device": 0, "address": a, "total_size": size, "allocated_size": size, "active_size": size,
                     "requested_size": size, "stream": 0, "segment_type": "large", "segment_pool_id": (0, 0),
                     "is_expandable": False, "frames": [],
                     "blocks": [{"address": a, "size": size, "requested_size": size, "state": "active_allocated",
                                 "frames": frames_of(rnd.choice(stacks))}]})
snap = {"segments": segments, "device_traces": [trace], "allocator_settings": {"PYTORCH_CUDA_ALLOC_CONF": ""},
        "external_annotations": []}
with open(out, "wb") as f:
    pickle.dump(snap, f, protocol=4)
