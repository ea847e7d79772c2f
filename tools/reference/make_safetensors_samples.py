"""Makes the safetensors samples that trainer-core's SafetensorsReader is tested against, written by the reference
Python's safetensors.torch.save_file (the pure-Python stand-in of ../shared/reference-python, which follows the
format spec: sorted tensor names, __metadata__ last, header padded with spaces to 8 bytes).

    PYTHONPATH=/tmp/reference-python/site /usr/bin/python3 tools/reference/make_safetensors_samples.py

Writes, under trainer-core/src/test/resources/reference/safetensors/:
  special_values.safetensors  hand-picked F32 / F16 / BF16 / I64 values (f16 and bf16 limits, subnormals, -0,
                              infinities, NaN), an empty and a 0-d tensor; the test states the expected values
  random.safetensors          seeded N(0, 1) values stored as F32, F16 and BF16 (torch's own narrowing)
  random.json                 per tensor of random.safetensors: dtype, shape and torch's widening to fp32
                              (tensor.float().tolist(), exact in a double), plus the 16-bit patterns
"""
import json
import os

import torch
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "trainer-core", "src", "test", "resources", "reference", "safetensors")


def bits16(t):
    return [int(v) & 0xFFFF for v in t.view(torch.int16).flatten().tolist()]


def main():
    os.makedirs(OUT, exist_ok=True)
    inf, nan = float("inf"), float("nan")
    special = {
        "f32.values": torch.tensor([[1.0, -2.5, 3.1415927], [1e-40, 3.4028234663852886e38, -0.0]],
                                   dtype=torch.float32),
        # 1, 65504 (largest f16), 2^-24 (smallest subnormal), -0, +inf, -inf, NaN, 1/3 rounded to f16, -2
        "f16.values": torch.tensor([1.0, 65504.0, 2.0 ** -24, -0.0, inf, -inf, nan, 1.0 / 3.0, -2.0],
                                   dtype=torch.float32).to(torch.float16),
        # 1, largest bf16, -1/3 rounded to bf16, smallest bf16 subnormal (2^-133)
        "bf16.values": torch.tensor([[1.0, 3.3895313892515355e38], [-1.0 / 3.0, 2.0 ** -133]],
                                    dtype=torch.float32).to(torch.bfloat16),
        "i64.ids": torch.tensor([0, -1, 2 ** 40], dtype=torch.int64),
        "empty": torch.zeros((2, 0), dtype=torch.float32),
        "scalar": torch.tensor(7.0, dtype=torch.float32),
    }
    save_file(special, os.path.join(OUT, "special_values.safetensors"), metadata={"format": "pt"})

    g = torch.Generator().manual_seed(1234)
    base = torch.randn((3, 5), generator=g)
    rnd = {
        "layer.f32": base.clone(),
        "layer.f16": base.to(torch.float16),
        "layer.bf16": base.to(torch.bfloat16),
        "big.f16": (torch.randn((4, 4), generator=g) * 3000.0).to(torch.float16),
        "tiny.bf16": (torch.randn((7,), generator=g) * 1e-30).to(torch.bfloat16),
    }
    save_file(rnd, os.path.join(OUT, "random.safetensors"), metadata={"format": "pt"})
    expected = {}
    for name, t in rnd.items():
        entry = {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
                 "fp32": t.float().flatten().tolist()}
        if t.dtype in (torch.float16, torch.bfloat16):
            entry["bits"] = bits16(t)
        expected[name] = entry
    with open(os.path.join(OUT, "random.json"), "w") as f:
        json.dump({"source": "torch " + torch.__version__, "tensors": expected}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
