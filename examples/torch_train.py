"""A small PyTorch training loop for flamelens' PyTorch profiler capture: runs unchanged under
`flamelens torch -- python examples/torch_train.py` (CPU, or CUDA when available)."""
import sys

import torch

torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"
model = torch.nn.Sequential(torch.nn.Linear(256, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10)).to(device)
opt = torch.optim.SGD(model.parameters(), lr=0.05)
x = torch.randn(64, 256, device=device)
y = torch.randint(0, 10, (64,), device=device)
steps = int(sys.argv[1]) if len(sys.argv) > 1 else 12
for step in range(steps):
    loss = torch.nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"trained {steps} steps on {device}, loss {loss.item():.4f}")
