"""Makes the decoder-only parity fixtures of trainer-core from transformers 4.33.2 (LlamaForCausalLM) on CPU.

    PYTHONPATH=/tmp/reference-python/site /usr/bin/python3 tools/reference/make_causal_fixtures.py

Writes trainer-core/src/test/resources/reference/causal/<case>/ with config.json, model.safetensors (random
weights, fixed seed), inputs.json (input_ids, attention_mask, position_ids) and outputs.safetensors (logits):
  llama-gqa        4 query heads over 2 key/value heads, untied lm_head, no RoPE scaling
  llama-tied-linear tied embeddings, rope_scaling {type: linear, factor: 2}
  llama-dynamic    rope_scaling {type: dynamic, factor: 2}, a 20-token sequence past max_position_embeddings 16
  gpt2             GPT2LMHeadModel: learned positions, LayerNorm, gelu_new, fused c_attn, Conv1D weights [in, out],
                   tied lm_head, saved as save_pretrained does (transformer.* names)
  */peft-lora      (llama-gqa, gpt2) a LoRA adapter PEFT 0.13.2 made and saved (q_proj,v_proj; GPT-2: c_attn with
                   fan_in_fan_out) with random B, the logits of base + adapter (expected_logits.safetensors) and
                   the tensors merge_and_unload() changed (merged_changed.safetensors), and the loss and LoRA
                   gradients of a causal-LM loss with masked prompt labels (grads.safetensors, labels.json)
  */peft-prompt    (llama-gqa, gpt2) a CAUSAL_LM prompt-tuning adapter PEFT made and saved (4 virtual tokens,
                   RANDOM init), PEFT's logits, loss and prompt gradient of a right-padded batch (expected.safetensors,
                   inputs.json with the labels), and a greedy loop of PEFT forward passes per prompt (inputs.json)
  gpt2-hub         the same model saved as the hub's gpt2 checkpoint is: no "transformer." prefix, no lm_head
  qwen2            the reference has no Qwen2 class: a Llama whose q/k/v projections get random biases (Qwen2's
                   maths), saved under model_type qwen2 with Qwen2's config keys
Each batch has two rows; the second is left-padded, with position_ids from the attention mask as generate() makes
them (cumsum - 1, 1 on padding). llama-gqa, qwen2 and gpt2 also get generate.json: greedy generate() of the same
left-padded batch (8 new tokens; and with no_repeat_ngram_size 2), the sequences with their prompts, and beam
search of it in four settings (num_beams, num_return_sequences, length_penalty, early_stopping, an EOS that is hit),
batched and for each prompt alone.
Deterministic: torch.manual_seed per case, one thread.
"""
import json
import os
import sys

# PEFT keeps target_modules in a Python set, whose order reaches adapter_config.json: fix the hash seed.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, PYTHONHASHSEED="0"))

import torch
from safetensors.torch import save_file
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "trainer-core", "src", "test", "resources", "reference", "causal")

BASE = dict(vocab_size=64, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=16, rms_norm_eps=1e-5, rope_theta=10000.0,
            hidden_act="silu", bos_token_id=1, eos_token_id=2, pad_token_id=0, initializer_range=0.2)


def inputs(seq, pad):
    g = torch.Generator().manual_seed(7)
    ids = torch.randint(3, 64, (2, seq), generator=g)
    mask = torch.ones(2, seq, dtype=torch.long)
    ids[1, :pad] = 0
    mask[1, :pad] = 0
    pos = mask.cumsum(-1) - 1
    pos.masked_fill_(mask == 0, 1)
    return ids, mask, pos


def case(name, seed, seq=12, pad=3, model_type="llama", qkv_bias=False, **overrides):
    torch.manual_seed(seed)
    kw = dict(BASE)
    kw.update(overrides)
    config = LlamaConfig(**kw)
    model = LlamaForCausalLM(config).eval()
    with torch.no_grad():
        for p in model.parameters():  # larger than the default init, so every layer moves the logits
            p.normal_(0, 0.3)
        for layer in model.model.layers:
            for norm in (layer.input_layernorm, layer.post_attention_layernorm):
                norm.weight.uniform_(0.5, 1.5)
        model.model.norm.weight.uniform_(0.5, 1.5)
        if qkv_bias:
            for layer in model.model.layers:
                att = layer.self_attn
                for proj in ("q_proj", "k_proj", "v_proj"):
                    old = getattr(att, proj)
                    new = torch.nn.Linear(old.in_features, old.out_features, bias=True)
                    new.weight.copy_(old.weight)
                    new.bias.normal_(0, 0.5)
                    setattr(att, proj, new)
    ids, mask, pos = inputs(seq, pad)
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=mask, position_ids=pos).logits
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    if config.tie_word_embeddings:
        state.pop("lm_head.weight")
    save_file(state, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
    cfg = config.to_dict()
    if model_type == "qwen2":
        cfg = {k: cfg[k] for k in ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                                   "num_attention_heads", "num_key_value_heads", "max_position_embeddings",
                                   "rms_norm_eps", "rope_theta", "hidden_act", "bos_token_id", "eos_token_id",
                                   "tie_word_embeddings", "torch_dtype")}
        cfg.update(model_type="qwen2", architectures=["Qwen2ForCausalLM"], use_sliding_window=False,
                   sliding_window=4096, max_window_layers=2, attention_dropout=0.0)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
    with open(os.path.join(d, "inputs.json"), "w") as f:
        json.dump({"input_ids": ids.tolist(), "attention_mask": mask.tolist(), "position_ids": pos.tolist()}, f)
    save_file({"logits": logits.contiguous()}, os.path.join(d, "outputs.safetensors"))
    write_generate(model, d, ids, mask, eos=2)
    print(name, tuple(logits.shape), float(logits.abs().max()))


def write_generate(model, d, ids, mask, eos):
    out = {}
    for key, extra in (("greedy", {}), ("no_repeat_2", {"no_repeat_ngram_size": 2})):
        with torch.no_grad():
            seq = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=8, do_sample=False, num_beams=1,
                                 pad_token_id=0, eos_token_id=eos, **extra)
        out[key] = seq.tolist()
    # beam search of the same batch, each case with its settings: the returned sequences (num_return_sequences per
    # row, best first) and their scores. "eos_early" stops at a token greedy search emits early in row 0, so the
    # EOS paths of the beam scorer are taken.
    eos_early = int(out["greedy"][0][ids.shape[1] + 2])
    beams = {}
    for key, settings in (
            ("beam3", dict(num_beams=3, num_return_sequences=2)),
            ("beam4_nr2_es", dict(num_beams=4, num_return_sequences=1, no_repeat_ngram_size=2, early_stopping=True,
                                  length_penalty=0.6)),
            ("beam3_eos_early", dict(num_beams=3, num_return_sequences=3, eos_token_id=eos_early)),
            ("beam2_eos_early_never", dict(num_beams=2, num_return_sequences=2, eos_token_id=eos_early,
                                           early_stopping="never", length_penalty=1.5))):
        kw = dict(max_new_tokens=8, do_sample=False, pad_token_id=0, eos_token_id=eos)
        kw.update(settings)
        with torch.no_grad():
            res = model.generate(input_ids=ids, attention_mask=mask, return_dict_in_generate=True, output_scores=True,
                                 **kw)
        # each prompt alone, without padding: transformers 4.33 counts a row's left padding in the length that
        # scores its hypotheses, so only these are independent of the batch
        alone, alone_scores = [], []
        for r in range(ids.shape[0]):
            keep = mask[r] == 1
            with torch.no_grad():
                one = model.generate(input_ids=ids[r:r + 1, keep], attention_mask=mask[r:r + 1, keep],
                                     return_dict_in_generate=True, output_scores=True, **kw)
            alone += [seq[int(keep.sum()):].tolist() for seq in one.sequences]
            alone_scores += one.sequences_scores.tolist()
        beams[key] = {"settings": settings, "sequences": res.sequences.tolist(),
                      "scores": res.sequences_scores.tolist(), "alone_continuations": alone,
                      "alone_scores": alone_scores}
    with open(os.path.join(d, "generate.json"), "w") as f:
        json.dump({"prompt_width": ids.shape[1], "max_new_tokens": 8, "eos_token_id": eos, "pad_token_id": 0,
                   "cases": out, "beam": beams}, f)


def gpt2_case(name, seed, hub_names):
    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=64, n_positions=32, n_embd=32, n_layer=2, n_head=4, bos_token_id=1,
                        eos_token_id=2, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    model = GPT2LMHeadModel(config).eval()
    with torch.no_grad():
        for n, p in model.named_parameters():
            if "ln_" in n and n.endswith("weight"):
                p.uniform_(0.5, 1.5)
            else:
                p.normal_(0, 0.3)
    ids, mask, pos = inputs(12, 3)
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=mask, position_ids=pos).logits
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    state = {k: v.contiguous() for k, v in model.state_dict().items()
             if not k.endswith(".attn.bias") and not k.endswith(".attn.masked_bias") and k != "lm_head.weight"}
    if hub_names:
        state = {k[len("transformer."):]: v for k, v in state.items()}
    save_file(state, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config.to_dict(), f, indent=2, sort_keys=True)
    with open(os.path.join(d, "inputs.json"), "w") as f:
        json.dump({"input_ids": ids.tolist(), "attention_mask": mask.tolist(), "position_ids": pos.tolist()}, f)
    save_file({"logits": logits.contiguous()}, os.path.join(d, "outputs.safetensors"))
    if not hub_names:
        write_generate(model, d, ids, mask, eos=2)
    print(name, tuple(logits.shape), float(logits.abs().max()))


def save_adapter(peft_model, a, base_name):
    """save_pretrained into a, with base_model_name_or_path the fixture's name (not this machine's absolute path)
    and without PEFT's model card template."""
    peft_model.save_pretrained(a)
    with open(os.path.join(a, "adapter_config.json")) as f:
        ac = json.load(f)
    ac["base_model_name_or_path"] = base_name
    with open(os.path.join(a, "adapter_config.json"), "w") as f:
        json.dump(ac, f, indent=2, sort_keys=True)
    os.remove(os.path.join(a, "README.md"))
    return a


def lora_case(base_name, model_cls, targets, out_name, seed, **extra):
    """PEFT LoRA on a saved base: the adapter as PEFT saves it and the logits of base + adapter on the inputs."""
    from peft import LoraConfig, get_peft_model
    d = os.path.join(OUT, base_name)
    model = model_cls.from_pretrained(d).eval()
    torch.manual_seed(seed)
    cfg = LoraConfig(r=4, lora_alpha=8, target_modules=targets, lora_dropout=0.0, task_type="CAUSAL_LM", **extra)
    peft_model = get_peft_model(model, cfg)
    with torch.no_grad():
        for n, p in peft_model.named_parameters():
            if "lora_B" in n:
                p.normal_(0, 0.3)  # PEFT starts B at zero: make the adapter change the logits
    ids, mask, pos = inputs(12, 3)
    with torch.no_grad():
        logits = peft_model(input_ids=ids, attention_mask=mask, position_ids=pos).logits
    a = save_adapter(peft_model, os.path.join(d, out_name), base_name)
    # LoRA gradients of the causal-LM loss: labels = input_ids, -100 over the first 5 tokens (the "prompt") and
    # the padding; transformers shifts them inside the model
    labels = ids.clone()
    labels[:, :5] = -100
    labels[mask == 0] = -100
    peft_model.train()
    for p in peft_model.parameters():
        p.grad = None
    loss = peft_model(input_ids=ids, attention_mask=mask, position_ids=pos, labels=labels).loss
    loss.backward()
    grads = {n.replace(".default", ""): p.grad.contiguous() for n, p in peft_model.named_parameters()
             if "lora_" in n and p.grad is not None}
    grads["loss"] = loss.detach().reshape(1)
    save_file(grads, os.path.join(a, "grads.safetensors"))
    with open(os.path.join(a, "labels.json"), "w") as f:
        json.dump({"labels": labels.tolist()}, f)
    peft_model.eval()
    merged = peft_model.merge_and_unload()
    base_state = model_cls.from_pretrained(d).state_dict()
    changed = {k: v.contiguous() for k, v in merged.state_dict().items()
               if k in base_state and not torch.equal(v, base_state[k])}
    save_file(changed, os.path.join(a, "merged_changed.safetensors"))
    save_file({"logits": logits.contiguous()}, os.path.join(a, "expected_logits.safetensors"))
    print(base_name, out_name, float(logits.abs().max()))


def prompt_case(base_name, model_cls, out_name, seed):
    """PEFT prompt tuning (CAUSAL_LM, RANDOM init, 4 virtual tokens) on a saved base: the adapter as PEFT saves it;
    PEFT's logits, loss (labels -100 over the first 5 tokens and the padding) and prompt gradient for a right-padded
    batch (as training pads); and a greedy loop of PEFT forward passes per prompt, alone and unpadded (PEFT 0.13.2's
    generate for causal prompt tuning needs a newer transformers)."""
    from peft import PromptTuningConfig, get_peft_model
    d = os.path.join(OUT, base_name)
    model = model_cls.from_pretrained(d).eval()
    torch.manual_seed(seed)
    cfg = PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=4, prompt_tuning_init="RANDOM")
    peft_model = get_peft_model(model, cfg)
    with torch.no_grad():
        peft_model.prompt_encoder["default"].embedding.weight.mul_(0.5)
    a = save_adapter(peft_model, os.path.join(d, out_name), base_name)
    g = torch.Generator().manual_seed(9)
    ids = torch.randint(3, 64, (2, 12), generator=g)
    mask = torch.ones(2, 12, dtype=torch.long)
    ids[1, 9:] = 0
    mask[1, 9:] = 0
    labels = ids.clone()
    labels[:, :5] = -100
    labels[mask == 0] = -100
    peft_model.train()
    for p in peft_model.parameters():
        p.grad = None
    out = peft_model(input_ids=ids, attention_mask=mask, labels=labels)
    out.loss.backward()
    grad = peft_model.prompt_encoder["default"].embedding.weight.grad
    save_file({"logits": out.logits.detach().contiguous(), "loss": out.loss.detach().reshape(1),
               "prompt_embeddings_grad": grad.contiguous()}, os.path.join(a, "expected.safetensors"))
    peft_model.eval()
    greedy = []
    for r, length in ((0, 12), (1, 9)):
        seq = ids[r:r + 1, :length]
        with torch.no_grad():
            for _ in range(6):
                logits = peft_model(input_ids=seq, attention_mask=torch.ones_like(seq)).logits
                seq = torch.cat([seq, logits[:, -1:].argmax(-1)], dim=1)
        greedy.append(seq[0].tolist())
    with open(os.path.join(a, "inputs.json"), "w") as f:
        json.dump({"input_ids": ids.tolist(), "attention_mask": mask.tolist(), "labels": labels.tolist(),
                   "greedy_new_tokens": 6, "greedy": greedy}, f)
    print(base_name, out_name, tuple(out.logits.shape), float(out.loss))


def main():
    case("llama-gqa", 1, tie_word_embeddings=False)
    case("llama-tied-linear", 2, tie_word_embeddings=True, rope_scaling={"type": "linear", "factor": 2.0})
    case("llama-dynamic", 3, seq=20, tie_word_embeddings=False, rope_scaling={"type": "dynamic", "factor": 2.0})
    case("qwen2", 4, model_type="qwen2", qkv_bias=True, tie_word_embeddings=True, rope_theta=1000000.0)
    gpt2_case("gpt2", 5, hub_names=False)
    gpt2_case("gpt2-hub", 5, hub_names=True)
    lora_case("llama-gqa", LlamaForCausalLM, ["q_proj", "v_proj"], "peft-lora", 11)
    lora_case("gpt2", GPT2LMHeadModel, ["c_attn"], "peft-lora", 12, fan_in_fan_out=True)
    prompt_case("llama-gqa", LlamaForCausalLM, "peft-prompt", 13)
    prompt_case("gpt2", GPT2LMHeadModel, "peft-prompt", 14)


if __name__ == "__main__":
    main()
