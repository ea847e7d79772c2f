"""Makes the torch.optim.AdamW reference trajectories that trainer-core's AdamW is tested against.

    PYTHONPATH=/tmp/reference-python/site /usr/bin/python3 tools/reference/make_adamw_reference.py

Writes trainer-core/src/test/resources/reference/train/adamw_torch.json: for each case the hyper-parameters, the
initial fp32 parameter, and per step the learning rate, the gradient handed to the optimizer (before the optional
clip scale), the clip scale (the gradient torch sees is grad * scale, computed in fp32 as the trainer does) and the
parameter after torch's update. Values are fp32 numbers printed exactly as doubles.
"""
import json
import os

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "trainer-core", "src", "test", "resources", "reference", "train")

CASES = [
    # name, lr per step, betas, eps, weight decay, clip scale per step
    ("defaults", [1e-2] * 5, (0.9, 0.999), 1e-8, 0.01, [1.0] * 5),
    ("schedule_and_clip", [0.0, 0.05, 0.1, 0.075, 0.025, 0.01], (0.8, 0.99), 1e-6, 0.1,
     [1.0, 0.5, 1.0, 0.25, 1.0, 0.9]),
    ("no_decay_large_eps", [3e-3, 3e-3, 3e-3, 3e-3], (0.95, 0.9), 1e-3, 0.0, [1.0] * 4),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    gen = torch.Generator().manual_seed(7)
    cases = []
    for name, lrs, betas, eps, wd, scales in CASES:
        p0 = torch.randn((2, 3), generator=gen)
        p0[0, 0] = 0.0  # a zero parameter: only the gradient moves it
        p = torch.nn.Parameter(p0.clone())
        opt = torch.optim.AdamW([p], lr=lrs[0], betas=betas, eps=eps, weight_decay=wd)
        steps = []
        for lr, scale in zip(lrs, scales):
            g = torch.randn((2, 3), generator=gen) * 0.1
            g[1, 2] = 0.0  # a zero gradient: only the decay and the moments move it
            for group in opt.param_groups:
                group["lr"] = lr
            p.grad = g * scale
            opt.step()
            steps.append({"lr": lr, "grad": g.flatten().tolist(), "scale": scale,
                          "param_after": p.detach().flatten().tolist()})
        cases.append({"name": name, "beta1": betas[0], "beta2": betas[1], "eps": eps, "weight_decay": wd,
                      "shape": [2, 3], "param0": p0.flatten().tolist(), "steps": steps})
    with open(os.path.join(OUT, "adamw_torch.json"), "w") as f:
        json.dump({"source": "torch " + torch.__version__ + " torch.optim.AdamW", "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
