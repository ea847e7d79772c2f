"""Loads a model folder written by `peft merge` with transformers' from_pretrained and compares it with PEFT.

    PYTHONPATH=/tmp/reference-python/site /usr/bin/python3 tools/reference/check_merged_loads.py \
        MERGED_DIR BASE_DIR ADAPTER_DIR [--atol 1e-4]

Loads MERGED_DIR (T5ForConditionalGeneration.from_pretrained, upcast to float32), BASE_DIR with the adapter through
PeftModel.from_pretrained, and PEFT's own merge_and_unload() of the latter. Prints one JSON line: the merged folder's
torch_dtype and files, the largest weight difference against merge_and_unload() (over every tensor of the state
dict), and the largest logit difference against base+adapter on a fixed random batch (3 rows, 24 source and 8
decoder tokens, seed 0). Exits 1 if the logit difference exceeds --atol, or if from_pretrained reports missing or
unexpected keys.
"""
import argparse
import json
import os
import sys

import torch
from peft import PeftModel
from transformers import T5ForConditionalGeneration


def main():
    p = argparse.ArgumentParser()
    p.add_argument("merged")
    p.add_argument("base")
    p.add_argument("adapter")
    p.add_argument("--atol", type=float, default=1e-4)
    a = p.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(1)

    merged, info = T5ForConditionalGeneration.from_pretrained(a.merged, torch_dtype=torch.float32,
                                                              output_loading_info=True)
    merged.eval()
    base = T5ForConditionalGeneration.from_pretrained(a.base, torch_dtype=torch.float32)
    peft_model = PeftModel.from_pretrained(base, a.adapter)
    peft_model.eval()

    vocab = merged.config.vocab_size
    ids = torch.randint(3, min(vocab, 30000), (3, 24))
    ids[:, -1] = 1
    mask = torch.ones_like(ids)
    mask[1, 16:] = 0
    mask[2, 8:] = 0
    dec = torch.randint(3, min(vocab, 30000), (3, 8))
    dec[:, 0] = 0
    with torch.no_grad():
        want = peft_model(input_ids=ids, attention_mask=mask, decoder_input_ids=dec).logits
        got = merged(input_ids=ids, attention_mask=mask, decoder_input_ids=dec).logits
        peft_merged = peft_model.merge_and_unload()
        ref = peft_merged.state_dict()
        ours = merged.state_dict()
        weight_diff = max(float((ours[k].float() - ref[k].float()).abs().max()) for k in ref)

    cfg = json.load(open(os.path.join(a.merged, "config.json")))
    out = {
        "torch_dtype": cfg.get("torch_dtype"),
        "files": sorted(os.listdir(a.merged)),
        "missing_keys": info["missing_keys"],
        "unexpected_keys": info["unexpected_keys"],
        "max_weight_diff_vs_merge_and_unload": weight_diff,
        "max_abs_logit_diff_vs_base_plus_adapter": float((want - got).abs().max()),
        "max_abs_logit": float(want.abs().max()),
    }
    print(json.dumps(out))
    ok = out["max_abs_logit_diff_vs_base_plus_adapter"] <= a.atol and not info["missing_keys"] \
        and not info["unexpected_keys"]
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
