#!/usr/bin/env python3
"""Writes adapter folders exactly as PEFT 0.13.2 saves them, for trainer-peft's format tests.

Output: trainer-peft/src/test/resources/peft-samples/ (wiped first)
  tiny-t5/                      a tiny random T5 (gated-GELU, untied head) saved by transformers 4.33.2
  lora-qv/                      LoRA with PEFT's default T5 targets (q, v), r=4, alpha=8, dropout 0.1
  lora-all-linear-rslora/       LoRA on "all-linear", rsLoRA, r=2, alpha=4, gaussian init
  prompt-tuning/                prompt tuning, 3 virtual tokens, RANDOM init
  expected.safetensors          inputs and the logits PEFT computes with each adapter (eval mode)
  targets.json                  for several target_modules specs: the modules PEFT wraps, or PEFT's error

PEFT initialises lora_B to zero; here B is then overwritten with seeded random values so that the adapters
change the logits and a wrong orientation of A or B cannot go unnoticed. The prompt table's rows N..2N-1 are
saved but never used by PEFT's forward (see trainer-peft's SoftPrompt); they are random too.

Run from the repository root:
    PYTHONPATH=/tmp/reference-python/site /usr/bin/python3 tools/reference/make_peft_adapter_samples.py
"""
import os
import sys

# all-linear turns target_modules into a Python set, whose order reaches adapter_config.json: pin the hash seed.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

import json
import shutil
import warnings
from pathlib import Path

import torch

warnings.filterwarnings("ignore")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import peft
import transformers
from peft import LoraConfig, PeftModel, PromptTuningConfig, TaskType, get_peft_model
from safetensors.torch import save_file
from transformers import T5Config, T5ForConditionalGeneration

assert peft.__version__ == "0.13.2", peft.__version__
assert transformers.__version__ == "4.33.2", transformers.__version__
torch.set_num_threads(1)

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "trainer-peft" / "src" / "test" / "resources" / "peft-samples"
# Written into adapter_config.json instead of this machine's absolute path.
BASE_NAME = "tiny-t5"


def tiny_t5():
    torch.manual_seed(0)
    config = T5Config(vocab_size=96, d_model=16, d_kv=4, num_heads=4, d_ff=24, num_layers=2, num_decoder_layers=2,
                      relative_attention_num_buckets=8, relative_attention_max_distance=20,
                      feed_forward_proj="gated-gelu", tie_word_embeddings=False, dropout_rate=0.1,
                      pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    model = T5ForConditionalGeneration(config)
    # transformers' T5 init uses tiny std for some weights; plain N(0, 0.3) makes every layer matter.
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.3)
        for name, p in model.named_parameters():
            if "layer_norm" in name:
                p.copy_(1.0 + 0.1 * torch.randn_like(p))
    return model.eval()


def fresh_base():
    model = T5ForConditionalGeneration.from_pretrained(OUT / "tiny-t5").eval()
    # get_peft_model copies name_or_path into adapter_config.json's base_model_name_or_path.
    model.name_or_path = BASE_NAME
    return model


def randomise_lora_b(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.copy_(torch.randn(p.shape, generator=g) * 0.5)


# target_modules specs whose outcome (wrapped modules or error) trainer-peft's LoraTargets must reproduce.
TARGET_SPECS = [
    None,                                        # PEFT's default for T5: q, v
    ["q", "v"],
    ["SelfAttention.q"],                         # suffix at a dot boundary: encoder and decoder self-attention
    ["Attention.q"],                             # no dot boundary: matches nothing
    ["decoder.block.1.layer.1.EncDecAttention.k", "wo"],  # a full name and a suffix
    ["lm_head"],
    ["q", "nothing_like_this"],                  # one unmatched name is fine when another matches
    r".*decoder.*\.(q|v)",                       # regex: fullmatch against the whole name
    "q",                                         # a string is a regex: fullmatch of "q" matches no full name
    r"encoder\.block\.0\..*",                   # regex matching containers and a layer norm: PEFT refuses
    ["layer_norm"],                              # T5LayerNorm is no linear layer: PEFT refuses
    "all-linear",                                # every linear layer but the output layer lm_head
    "ALL-LINEAR",                                # PEFT lowercases the shorthand
]


def target_facts():
    facts = []
    for spec in TARGET_SPECS:
        fact = {"target_modules": spec}
        try:
            model = get_peft_model(fresh_base(), LoraConfig(task_type=TaskType.SEQ_2_SEQ_LM, target_modules=spec))
            fact["targeted"] = list(model.base_model.targeted_module_names)
            saved = model.peft_config["default"].target_modules
            fact["saved_target_modules"] = sorted(saved) if isinstance(saved, (set, list)) else saved
        except Exception as e:  # noqa: BLE001 - PEFT's refusal is the fact recorded
            message = " ".join(str(e).split())
            fact["error"] = ("not_supported" if "is not supported" in message
                             else "not_found" if "not found in the base model" in message else "other")
            fact["message"] = type(e).__name__ + ": " + message[:160]
        facts.append(fact)
    return facts


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    tiny_t5().save_pretrained(OUT / "tiny-t5", safe_serialization=True)

    input_ids = torch.tensor([[5, 17, 33, 8, 1], [9, 60, 1, 0, 0]])
    attention_mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    decoder_input_ids = torch.tensor([[0, 12, 40], [0, 7, 7]])
    expected = {"input_ids": input_ids, "attention_mask": attention_mask, "decoder_input_ids": decoder_input_ids}

    def logits(model):
        with torch.no_grad():
            return model(input_ids=input_ids, attention_mask=attention_mask,
                         decoder_input_ids=decoder_input_ids).logits.float().contiguous()

    expected["logits.base"] = logits(fresh_base())

    torch.manual_seed(1)
    lora = get_peft_model(fresh_base(), LoraConfig(task_type=TaskType.SEQ_2_SEQ_LM, r=4, lora_alpha=8,
                                                   lora_dropout=0.1))
    randomise_lora_b(lora, 11)
    lora.eval()
    lora.save_pretrained(OUT / "lora-qv")
    expected["logits.lora-qv"] = logits(lora)

    torch.manual_seed(2)
    lora = get_peft_model(fresh_base(), LoraConfig(task_type=TaskType.SEQ_2_SEQ_LM, r=2, lora_alpha=4,
                                                   target_modules="all-linear", use_rslora=True,
                                                   init_lora_weights="gaussian"))
    randomise_lora_b(lora, 12)
    lora.eval()
    lora.save_pretrained(OUT / "lora-all-linear-rslora")
    expected["logits.lora-all-linear-rslora"] = logits(lora)

    torch.manual_seed(3)
    prompt = get_peft_model(fresh_base(), PromptTuningConfig(task_type=TaskType.SEQ_2_SEQ_LM, num_virtual_tokens=3))
    prompt.eval()
    prompt.save_pretrained(OUT / "prompt-tuning")
    expected["logits.prompt-tuning"] = logits(prompt)

    # Reload each adapter the way users do, to be sure the saved folders alone reproduce the logits.
    for name in ("lora-qv", "lora-all-linear-rslora", "prompt-tuning"):
        reloaded = PeftModel.from_pretrained(fresh_base(), OUT / name).eval()
        diff = (logits(reloaded) - expected["logits." + name]).abs().max().item()
        assert diff == 0.0, (name, diff)
        (OUT / name / "README.md").unlink()  # the model card template; nothing reads it

    save_file(expected, OUT / "expected.safetensors", metadata={"format": "pt"})
    (OUT / "targets.json").write_text(json.dumps(target_facts(), indent=1) + "\n")
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"wrote {OUT.relative_to(REPO)} ({total} bytes)")


if __name__ == "__main__":
    main()
