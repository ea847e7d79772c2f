#!/usr/bin/env python3
"""Loads an adapter folder that peft-trainer wrote with PEFT itself and compares PEFT's logits with ours.

    PYTHONPATH=/tmp/reference-python/site /usr/bin/python3 tools/reference/check_peft_loads_ours.py \
        ADAPTER_DIR BASE_DIR INPUTS.json OUR_LOGITS.safetensors [--key logits] [--atol 1e-4]

ADAPTER_DIR  adapter_config.json + adapter_model.safetensors (LoRA or prompt tuning), loaded with
             PeftModel.from_pretrained on top of BASE_DIR (its base_model_name_or_path is not used).
BASE_DIR     a Hugging Face model folder (config.json + model.safetensors or shards); weights upcast to float32.
             An encoder-decoder loads with AutoModelForSeq2SeqLM, a decoder-only model with AutoModelForCausalLM.
INPUTS.json  {"input_ids": [[...]], "attention_mask": [[...]], "labels": [[...]] (-100 = ignored)} as in
             trainer-parity's reference/inputs/*.json; or "decoder_input_ids" instead of "labels" (seq2seq).
OUR_LOGITS   a safetensors file holding our logits under --key: [batch, target length, vocab] (seq2seq), or
             [batch, virtual tokens + length, vocab] (decoder-only; no virtual tokens without prompt tuning).

Prints one JSON line (max absolute and relative difference, PEFT's loss) and exits 1 when the maximum absolute
difference exceeds --atol, 0 otherwise.
"""
import argparse
import json
import os
import sys
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import torch
from safetensors.torch import load_file
from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM
from peft import PeftModel
import transformers

transformers.utils.logging.disable_progress_bar()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("adapter_dir")
    ap.add_argument("base_dir")
    ap.add_argument("inputs_json")
    ap.add_argument("our_logits")
    ap.add_argument("--key", default="logits", help="tensor name in OUR_LOGITS (default: logits)")
    ap.add_argument("--atol", type=float, default=1e-4, help="largest allowed absolute difference (default 1e-4)")
    args = ap.parse_args()

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    causal = not AutoConfig.from_pretrained(args.base_dir).is_encoder_decoder
    auto = AutoModelForCausalLM if causal else AutoModelForSeq2SeqLM
    base = auto.from_pretrained(args.base_dir, torch_dtype=torch.float32)
    model = PeftModel.from_pretrained(base, args.adapter_dir).eval()

    with open(args.inputs_json, encoding="utf-8") as f:
        inputs = json.load(f)
    kwargs = {"input_ids": torch.tensor(inputs["input_ids"])}
    if "attention_mask" in inputs:
        kwargs["attention_mask"] = torch.tensor(inputs["attention_mask"])
    if "labels" in inputs:
        kwargs["labels"] = torch.tensor(inputs["labels"])
    elif "decoder_input_ids" in inputs:
        kwargs["decoder_input_ids"] = torch.tensor(inputs["decoder_input_ids"])
    elif not causal:
        sys.exit(f"{args.inputs_json}: needs labels or decoder_input_ids")

    with torch.no_grad():
        out = model(**kwargs)
    ref = out.logits.float()
    tensors = load_file(args.our_logits)
    if args.key not in tensors:
        sys.exit(f"{args.our_logits}: no tensor '{args.key}' (has {sorted(tensors)})")
    ours = tensors[args.key].float()
    if tuple(ours.shape) != tuple(ref.shape):
        sys.exit(f"{args.our_logits}: '{args.key}' has shape {list(ours.shape)}, PEFT's logits {list(ref.shape)}")

    diff = (ours - ref).abs()
    rel = diff / ref.abs().clamp_min(1e-3)
    report = {
        "adapter": args.adapter_dir,
        "peft_type": model.active_peft_config.peft_type.value,
        "peft_class": type(model).__name__,
        "shape": list(ref.shape),
        "max_abs_diff": diff.max().item(),
        "max_rel_diff": rel.max().item(),
        "max_abs_logit": ref.abs().max().item(),
        "peft_loss": out.loss.item() if out.loss is not None else None,
        "atol": args.atol,
        "ok": diff.max().item() <= args.atol,
    }
    print(json.dumps(report))
    sys.exit(0 if report["ok"] else 1)


if __name__ == "__main__":
    main()
