"""Writes a synthetic CUDA allocator snapshot shaped like torch 2.6's (_dump_snapshot): segments
with blocks, and a history of N entries (alloc / free_requested / free_completed with time_us,
compile_context, user_metadata and 8 frames each, C++ and Python), for `npm run bench memory`.
Usage: make_snapshot.py OUT ENTRIES [PYTHON_FRAMES_PER_STACK]"""
import pickle
import random
import sys

out, n = sys.argv[1], int(sys.argv[2])
depth = int(sys.argv[3]) if len(sys.argv) > 3 else 7
rnd = random.Random(7)
files = [f"/home/user/project/model/layer{i}.py" for i in range(40)] + [
    "/usr/lib/python3/dist-packages/torch/nn/modules/module.py",
    "/usr/lib/python3/dist-packages/torch/_tensor.py",
]
names = ["forward", "attention", "mlp", "step", "train", "loss", "backward", "_call_impl"]
cpp = [{"name": "torch::unwind::unwind()", "filename": "??", "line": 0}]
stacks = []
for k in range(400):
    st = [dict(f) for f in cpp]
    for d in range(depth):
        st.append({"name": rnd.choice(names), "filename": rnd.choice(files), "line": rnd.randint(1, 400)})
    stacks.append(st)
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
                          "frames": [dict(f) for f in rnd.choice(stacks)]})
    else:
        size = rnd.choice([512, 4096, 1 << 20, 4 << 20, 16 << 20])
        a = addr_next
        addr_next += size
        live[a] = size
        trace.append({"action": "alloc", "addr": a, "size": size, "stream": 0, "time_us": t,
                      "compile_context": "N/A", "user_metadata": "",
                      "frames": [dict(f) for f in rnd.choice(stacks)]})
segments = []
for a, size in list(live.items())[:2000]:
    segments.append({"device": 0, "address": a, "total_size": size, "allocated_size": size, "active_size": size,
                     "requested_size": size, "stream": 0, "segment_type": "large", "segment_pool_id": (0, 0),
                     "is_expandable": False, "frames": [],
                     "blocks": [{"address": a, "size": size, "requested_size": size, "state": "active_allocated",
                                 "frames": [dict(f) for f in rnd.choice(stacks)]}]})
snap = {"segments": segments, "device_traces": [trace], "allocator_settings": {"PYTORCH_CUDA_ALLOC_CONF": ""},
        "external_annotations": []}
with open(out, "wb") as f:
    pickle.dump(snap, f, protocol=4)
