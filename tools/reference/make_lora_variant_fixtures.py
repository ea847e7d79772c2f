#!/usr/bin/env python3
"""Every LoRA variant PEFT 0.13.2 writes, made by PEFT itself, for trainer-peft's LoraVariantParityTest.

Output: trainer-peft/src/test/resources/lora-variants/<case>/ (wiped first), one case per row of issue 20's table:
  adapter/                 the adapter as PEFT's save_pretrained writes it (adapter_model.bin for the *-bin cases);
                           everything below is computed on PeftModel.from_pretrained(adapter, is_trainable=True)
  inputs.json              the batch (causal: input_ids, attention_mask, position_ids; T5: + decoder_input_ids),
                           labels (-100 where not scored) and greedy: 4 new tokens per row from a loop of forwards
  expected.safetensors     logits (eval mode), loss, and grad.<saved key> for every trainable tensor (train mode,
                           every dropout set to 0)
  merged_changed.safetensors  the base tensors merge_and_unload() changed
  manifest.json (top)      case -> base checkpoint folder (relative to the repository root), family

Every trained tensor is set to seeded random values first (PEFT starts B at 0 and the magnitude at ||W||), so that
each part of every variant changes the logits. Run from the repository root:
    PYTHONPATH=/tmp/reference-python/site /usr/bin/python3 tools/reference/make_lora_variant_fixtures.py
"""
import json
import os
import shutil
import sys

if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, PYTHONHASHSEED="0"))

import warnings

warnings.filterwarnings("ignore")
os.environ["HF_HUB_OFFLINE"] = "1"

import torch
import peft
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors.torch import save_file
from transformers import GPT2LMHeadModel, LlamaForCausalLM, T5ForConditionalGeneration

assert peft.__version__ == "0.13.2", peft.__version__
torch.set_num_threads(1)

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO, "trainer-peft", "src", "test", "resources", "lora-variants")
CAUSAL = "trainer-core/src/test/resources/reference/causal"
T5 = "trainer-peft/src/test/resources/peft-samples/tiny-t5"
BASES = {
    "llama-gqa": (CAUSAL + "/llama-gqa", LlamaForCausalLM),
    "llama-tied-linear": (CAUSAL + "/llama-tied-linear", LlamaForCausalLM),
    "qwen2": (CAUSAL + "/qwen2", LlamaForCausalLM),
    "gpt2": (CAUSAL + "/gpt2", GPT2LMHeadModel),
    "tiny-t5": (T5, T5ForConditionalGeneration),
}


def saved_key(name):
    """A named_parameters() name of a PeftModel as get_peft_model_state_dict saves it."""
    k = name.replace("modules_to_save.default.", "").replace(".default", "")
    if k.endswith("lora_magnitude_vector.weight"):
        k = k[: -len(".weight")]
    return k


def causal_inputs(base_dir):
    with open(os.path.join(REPO, base_dir, "inputs.json")) as f:
        j = json.load(f)
    ids = torch.tensor(j["input_ids"])
    mask = torch.tensor(j["attention_mask"])
    pos = torch.tensor(j["position_ids"])
    labels = ids.clone()
    labels[:, :5] = -100
    labels[mask == 0] = -100
    return {"input_ids": ids, "attention_mask": mask, "position_ids": pos}, labels


def t5_inputs():
    g = torch.Generator().manual_seed(5)
    ids = torch.randint(2, 96, (2, 7), generator=g)
    mask = torch.ones(2, 7, dtype=torch.long)
    ids[1, 5:] = 0
    mask[1, 5:] = 0
    labels = torch.randint(2, 96, (2, 5), generator=g)
    labels[1, 4:] = -100
    dec = torch.cat([torch.zeros(2, 1, dtype=torch.long), labels[:, :-1].clamp(min=0)], dim=1)
    return {"input_ids": ids, "attention_mask": mask, "decoder_input_ids": dec}, labels


def greedy(model, inputs, t5):
    rows = []
    for r in range(inputs["input_ids"].shape[0]):
        keep = inputs["attention_mask"][r].bool()
        ids = inputs["input_ids"][r][keep].unsqueeze(0)
        with torch.no_grad():
            if t5:
                dec = torch.zeros(1, 1, dtype=torch.long)
                for _ in range(4):
                    logits = model(input_ids=ids, attention_mask=torch.ones_like(ids), decoder_input_ids=dec).logits
                    dec = torch.cat([dec, logits[:, -1:].argmax(-1)], dim=1)
                rows.append(dec[0].tolist())
            else:
                for _ in range(4):
                    logits = model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits
                    ids = torch.cat([ids, logits[:, -1:].argmax(-1)], dim=1)
                rows.append(ids[0].tolist())
    return rows


def load_base(base):
    """The base as transformers 4.33 builds it; its Llama has no q/k/v biases, so the qwen2 fixture (a Llama with
    them, see make_causal_fixtures.py) gets biased projections loaded from its checkpoint."""
    base_dir, cls = BASES[base]
    d = os.path.join(REPO, base_dir)
    model = cls.from_pretrained(d).eval()
    if base == "qwen2":
        from safetensors.torch import load_file
        state = load_file(os.path.join(d, "model.safetensors"))
        with torch.no_grad():
            for i, layer in enumerate(model.model.layers):
                for proj in ("q_proj", "k_proj", "v_proj"):
                    old = getattr(layer.self_attn, proj)
                    new = torch.nn.Linear(old.in_features, old.out_features, bias=True)
                    new.weight.copy_(old.weight)
                    new.bias.copy_(state[f"model.layers.{i}.self_attn.{proj}.bias"])
                    setattr(layer.self_attn, proj, new)
    return model


def randomise(peft_model, seed):
    """Seeded values for every trainable tensor, near what training would make of them."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for n, p in peft_model.named_parameters():
            if not p.requires_grad:
                continue
            noise = torch.randn(p.shape, generator=g)
            if "lora_magnitude_vector" in n:
                p.mul_(0.75 + 0.5 * torch.rand(p.shape, generator=g))
            elif "lora_" in n:
                p.copy_(0.3 * noise)
            else:  # biases, modules_to_save copies: start from the base values
                p.add_(0.2 * noise)


def case(name, base, seed, fmt="safetensors", **cfg):
    base_dir, cls = BASES[base]
    t5 = cls is T5ForConditionalGeneration
    model = load_base(base)
    model.name_or_path = base
    torch.manual_seed(seed)
    config = LoraConfig(task_type="SEQ_2_SEQ_LM" if t5 else "CAUSAL_LM", lora_dropout=0.0, **cfg)
    pm = get_peft_model(model, config)
    randomise(pm, seed)
    inputs, labels = t5_inputs() if t5 else causal_inputs(base_dir)
    d = os.path.join(OUT, name)
    os.makedirs(d)
    a = os.path.join(d, "adapter")
    pm.save_pretrained(a, safe_serialization=(fmt == "safetensors"))
    with open(os.path.join(a, "adapter_config.json")) as f:
        ac = json.load(f)
    ac["base_model_name_or_path"] = base
    with open(os.path.join(a, "adapter_config.json"), "w") as f:
        json.dump(ac, f, indent=2, sort_keys=True)
    os.remove(os.path.join(a, "README.md"))

    # Everything below is what PEFT makes of the saved folder (bias="lora_only" saves no biases, for one).
    pm = PeftModel.from_pretrained(load_base(base), a, is_trainable=True)
    pm.eval()
    with torch.no_grad():
        logits = pm(**inputs).logits
    expected = {"logits": logits.contiguous()}
    for m in pm.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
        if isinstance(getattr(m, "dropout", None), float):  # T5Attention's functional dropout
            m.dropout = 0.0
    pm.train()
    out = pm(**inputs, labels=labels)
    out.loss.backward()
    expected["loss"] = out.loss.detach().reshape(1)
    for n, p in pm.named_parameters():
        if p.requires_grad:
            assert p.grad is not None, n
            expected["grad." + saved_key(n)] = p.grad.contiguous()
    pm.eval()
    rows = greedy(pm, inputs, t5)
    save_file(expected, os.path.join(d, "expected.safetensors"))
    j = {k: v.tolist() for k, v in inputs.items()}
    j["labels"] = labels.tolist()
    j["greedy"] = rows
    with open(os.path.join(d, "inputs.json"), "w") as f:
        json.dump(j, f)

    merged = pm.merge_and_unload()
    base_state = load_base(base).state_dict()
    changed = {k: v.contiguous() for k, v in merged.state_dict().items()
               if k in base_state and not torch.equal(v, base_state[k])}
    save_file(changed, os.path.join(d, "merged_changed.safetensors"))
    with torch.no_grad():
        merged_logits = merged(**inputs).logits
    print(f"{name:24s} keys {len(ac)} tensors saved, merge changes {len(changed)}, "
          f"unmerged-vs-merged {float((merged_logits - logits).abs().max()):.2e}")
    return {"base": base_dir, "family": "t5" if t5 else "causal", "format": fmt}


def torch_save_seed():
    """A state dict torch.save writes with every storage case the .bin reader handles: fp32, fp16, bf16, float64 and
    int64 storages, a transposed (non-contiguous) view, two tensors sharing one storage at different offsets, and an
    OrderedDict with torch's _metadata attribute (BUILD). Written as a fuzz seed next to the safetensors ones, with
    the values as safetensors (fp32) for the reader's test."""
    from collections import OrderedDict
    g = torch.Generator().manual_seed(3)
    base = torch.randn(6, 4, generator=g)
    shared = torch.randn(10, generator=g)
    sd = OrderedDict()
    sd["f32"] = base
    sd["f16"] = torch.randn(3, 5, generator=g).half()
    sd["bf16"] = torch.randn(2, 3, 2, generator=g).bfloat16()
    sd["f64"] = torch.randn(4, generator=g).double()
    sd["i64"] = torch.arange(-3, 4)
    sd["transposed"] = base.t()  # shares base's storage, strides (1, 4)
    sd["head"] = shared[:4]
    sd["tail"] = shared[6:].view(2, 2)  # offset 6 in the same storage
    sd["scalar"] = torch.tensor(2.5)
    sd._metadata = OrderedDict({"": {"version": 1}})
    seeds = os.path.join(REPO, "trainer-cli", "src", "main", "resources", "peft", "fuzz-seeds")
    torch.save(sd, os.path.join(seeds, "mixed-storages.bin"))
    save_file({k: v.float().contiguous() for k, v in sd.items()},
              os.path.join(REPO, "trainer-core", "src", "test", "resources", "mixed-storages-values.safetensors"))


def main():
    torch_save_seed()
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    m = {}
    qvo = ["q_proj", "v_proj", "o_proj"]
    m["llama-patterns"] = case("llama-patterns", "llama-gqa", 21, target_modules=qvo, r=4, lora_alpha=8,
                               rank_pattern={"q_proj": 2, "layers.1.self_attn.v_proj": 6},
                               alpha_pattern={"v_proj": 3, "o_proj": 32})
    m["llama-patterns-bin"] = case("llama-patterns-bin", "llama-gqa", 21, fmt="bin", target_modules=qvo, r=4,
                                   lora_alpha=8, rank_pattern={"q_proj": 2, "layers.1.self_attn.v_proj": 6},
                                   alpha_pattern={"v_proj": 3, "o_proj": 32})
    m["llama-layers"] = case("llama-layers", "llama-gqa", 22, target_modules=["q_proj", "v_proj", "down_proj"],
                             r=4, lora_alpha=8, layers_to_transform=[1], layers_pattern="layers")
    m["llama-dora"] = case("llama-dora", "llama-gqa", 23, target_modules=["q_proj", "v_proj", "down_proj"],
                           r=4, lora_alpha=8, use_dora=True)
    m["llama-modules-to-save"] = case("llama-modules-to-save", "llama-gqa", 24, target_modules=["q_proj"], r=4,
                                      lora_alpha=8, modules_to_save=["lm_head"])
    m["llama-tied-embed-save"] = case("llama-tied-embed-save", "llama-tied-linear", 25, target_modules=["q_proj"],
                                      r=4, lora_alpha=8, modules_to_save=["embed_tokens"])
    m["llama-embedding"] = case("llama-embedding", "llama-gqa", 26, target_modules=["embed_tokens", "v_proj"], r=4,
                                lora_alpha=8)
    m["qwen2-bias-all"] = case("qwen2-bias-all", "qwen2", 27, target_modules=["q_proj", "v_proj"], r=4,
                               lora_alpha=8, bias="all")
    m["gpt2-patterns"] = case("gpt2-patterns", "gpt2", 31, target_modules=["c_attn", "c_proj"], r=4, lora_alpha=8,
                              fan_in_fan_out=True, rank_pattern={"attn.c_proj": 2}, alpha_pattern={"mlp.c_proj": 2})
    m["gpt2-layers"] = case("gpt2-layers", "gpt2", 32, target_modules=["c_attn", "c_fc"], r=4, lora_alpha=8,
                            fan_in_fan_out=True, layers_to_transform=0, layers_pattern="h")
    m["gpt2-dora"] = case("gpt2-dora", "gpt2", 33, target_modules=["c_attn", "c_fc"], r=4, lora_alpha=8,
                          fan_in_fan_out=True, use_dora=True)
    m["gpt2-bias-all"] = case("gpt2-bias-all", "gpt2", 34, target_modules=["c_attn"], r=4, lora_alpha=8,
                              fan_in_fan_out=True, bias="all")
    m["gpt2-bias-lora-only"] = case("gpt2-bias-lora-only", "gpt2", 35, target_modules=["c_attn"], r=4,
                                    lora_alpha=8, fan_in_fan_out=True, bias="lora_only")
    m["gpt2-modules-to-save"] = case("gpt2-modules-to-save", "gpt2", 36, target_modules=["c_attn"], r=4,
                                     lora_alpha=8, fan_in_fan_out=True, modules_to_save=["lm_head"])
    m["gpt2-embedding"] = case("gpt2-embedding", "gpt2", 37, target_modules=["wte", "c_attn"], r=4, lora_alpha=8,
                               fan_in_fan_out=True)
    m["t5-patterns"] = case("t5-patterns", "tiny-t5", 41, target_modules=["q", "v", "o"], r=4, lora_alpha=8,
                            rank_pattern={"q": 2}, alpha_pattern={"EncDecAttention.v": 2})
    m["t5-layers"] = case("t5-layers", "tiny-t5", 42, target_modules=["q", "v"], r=4, lora_alpha=8,
                          layers_to_transform=[1])
    m["t5-dora"] = case("t5-dora", "tiny-t5", 43, target_modules=["q", "v", "wo"], r=4, lora_alpha=8,
                        use_dora=True)
    m["t5-modules-to-save"] = case("t5-modules-to-save", "tiny-t5", 44, target_modules=["q", "v"], r=4,
                                   lora_alpha=8, modules_to_save=["lm_head"])
    m["t5-bias-all"] = case("t5-bias-all", "tiny-t5", 45, target_modules=["q", "v"], r=4, lora_alpha=8,
                            bias="all")
    m["t5-bin"] = case("t5-bin", "tiny-t5", 46, fmt="bin", target_modules=["q", "v"], r=4, lora_alpha=8)
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(m, f, indent=2, sort_keys=True)


if __name__ == "__main__":
    main()
