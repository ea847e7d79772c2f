#!/usr/bin/env python3
"""Loads the adapters trainer-peft wrote with PEFT 0.13.2 and compares weights and logits with ours.

Run trainer-peft's PeftInteropExportTest first; it writes trainer-peft/target/peft-ours/{lora,prompt-sample-vocab,
prompt-text}/ and java-logits.safetensors (our logits for the sample inputs). Then, from the repository root:
    PYTHONPATH=/tmp/reference-python/site /usr/bin/python3 tools/reference/check_peft_loads_peft_samples.py
Prints, per adapter, the largest difference between the tensors PEFT loaded and the file, and between PEFT's logits
and ours; exits 1 when a weight differs at all or a logit by more than 1e-4.
"""
import json
import sys
import warnings
from pathlib import Path

import torch

warnings.filterwarnings("ignore")
import peft
from peft import PeftModel
from safetensors.torch import load_file
from transformers import T5ForConditionalGeneration

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "trainer-peft" / "src" / "test" / "resources" / "peft-samples"
OURS = REPO / "trainer-peft" / "target" / "peft-ours"


def main():
    assert peft.__version__ == "0.13.2", peft.__version__
    inputs = load_file(SAMPLES / "expected.safetensors")
    java = load_file(OURS / "java-logits.safetensors")
    ok = True
    for name in ("lora", "prompt-sample-vocab", "prompt-text"):
        folder = OURS / name
        model = PeftModel.from_pretrained(T5ForConditionalGeneration.from_pretrained(SAMPLES / "tiny-t5"), folder)
        model.eval()
        config = json.loads((folder / "adapter_config.json").read_text())
        loaded = model.peft_config["default"]
        for key, value in config.items():
            got = getattr(loaded, key)
            got = sorted(got) if isinstance(got, set) else getattr(got, "value", got)
            want = sorted(value) if key == "target_modules" and isinstance(value, list) else value
            if got != want:
                print(f"{name}: config {key}: PEFT has {got!r}, file has {want!r}")
                ok = False
        saved = load_file(folder / "adapter_model.safetensors")
        state = model.state_dict()
        weight_diff = 0.0
        for key, tensor in saved.items():
            if key == "prompt_embeddings":
                peft_tensor = model.prompt_encoder["default"].embedding.weight
            else:
                peft_tensor = state[key.replace(".lora_A.weight", ".lora_A.default.weight")
                                    .replace(".lora_B.weight", ".lora_B.default.weight")]
            weight_diff = max(weight_diff, (peft_tensor.detach() - tensor).abs().max().item())
        with torch.no_grad():
            logits = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"],
                           decoder_input_ids=inputs["decoder_input_ids"]).logits
        logit_diff = (logits - java["logits." + name]).abs().max().item()
        scale = logits.abs().max().item()
        print(f"{name}: {len(saved)} tensors, max |PEFT weight - file| = {weight_diff:.3g}, "
              f"max |PEFT logit - ours| = {logit_diff:.3g} (max |logit| {scale:.3g})")
        ok = ok and weight_diff == 0.0 and logit_diff <= 1e-4
    print("OK" if ok else "MISMATCH")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
