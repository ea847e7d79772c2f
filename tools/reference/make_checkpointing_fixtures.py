"""Makes the activation-checkpointing parity fixtures: transformers 4.33.2 + PEFT 0.13.2 with
gradient_checkpointing_enable(), on CPU.

    PYTHONPATH=/tmp/reference-python/site /usr/bin/python3 tools/reference/make_checkpointing_fixtures.py

Writes trainer-peft/src/test/resources/checkpointing/<case>/ with inputs.json (input_ids, attention_mask, labels as
transformers takes them; T5 also decoder_input_ids) and grads.safetensors: the loss and every LoRA gradient of one
training-mode forward and backward, every dropout at 0 (torch's RNG cannot be matched), with gradient checkpointing
on. Cases:
  llama-gqa  the causal fixture base and its PEFT adapter (q_proj, v_proj)
  gpt2       the causal fixture base and its PEFT adapter (c_attn, Conv1D)
  t5         trainer-peft's tiny-t5 (gated, untied) with a LoRA adapter on q, v made here (adapter/)
As PEFT does for a model that has gradient checkpointing on (and PEFT issue #1142 requires), the input embeddings
are made to require gradients (enable_input_require_grads), else no gradient reaches the adapters of the
checkpointed blocks. The script checks that checkpointing was in effect: every block ran its forward twice (once
in the forward, once recomputed in the backward); manifest.json records the counts. Deterministic, one thread.
"""
import json
import os
import sys

if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, PYTHONHASHSEED="0"))

import torch
from safetensors.torch import save_file
from transformers import GPT2LMHeadModel, LlamaForCausalLM, T5ForConditionalGeneration

torch.set_num_threads(1)
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
CAUSAL = os.path.join(ROOT, "trainer-core", "src", "test", "resources", "reference", "causal")
TINY_T5 = os.path.join(ROOT, "trainer-peft", "src", "test", "resources", "peft-samples", "tiny-t5")
OUT = os.path.join(ROOT, "trainer-peft", "src", "test", "resources", "checkpointing")


def no_dropout(model):
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0


def count_blocks(blocks):
    calls = [0]

    def hook(*_):
        calls[0] += 1
    for b in blocks:
        b.register_forward_hook(hook)
    return calls


def batch(vocab, rows=2, seq=10, pad=3, seed=5):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(3, vocab, (rows, seq), generator=g)
    mask = torch.ones(rows, seq, dtype=torch.long)
    ids[1, seq - pad:] = 0
    mask[1, seq - pad:] = 0  # right padding, as the trainer's causal collator pads
    return ids, mask, g


def run(name, peft_model, blocks, kwargs, extra_inputs):
    no_dropout(peft_model)
    peft_model.train()
    calls = count_blocks(blocks)
    loss = peft_model(**kwargs).loss
    forward_calls = calls[0]
    loss.backward()
    total = calls[0]
    assert total == 2 * forward_calls, (name, forward_calls, total)
    grads = {n.replace(".default", ""): p.grad.contiguous() for n, p in peft_model.named_parameters()
             if "lora_" in n}
    assert all(float(g.abs().max()) > 0 for g in grads.values()), name + ": a LoRA matrix got no gradient"
    grads["loss"] = loss.detach().reshape(1)
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    save_file(grads, os.path.join(d, "grads.safetensors"))
    with open(os.path.join(d, "inputs.json"), "w") as f:
        json.dump({k: v.tolist() for k, v in extra_inputs.items()}, f)
    print(name, float(loss), "block forwards", forward_calls, "+ recomputed", total - forward_calls)
    return {"blocks": len(blocks), "block_forwards": forward_calls, "recomputed": total - forward_calls,
            "loss": float(loss)}


def causal(name, cls, blocks_of):
    from peft import PeftModel
    d = os.path.join(CAUSAL, name)
    model = cls.from_pretrained(d)
    model.gradient_checkpointing_enable()
    model.enable_input_require_grads()
    peft_model = PeftModel.from_pretrained(model, os.path.join(d, "peft-lora"), is_trainable=True)
    ids, mask, _ = batch(model.config.vocab_size)
    labels = ids.clone()
    labels[:, :4] = -100
    labels[mask == 0] = -100
    return run(name, peft_model, blocks_of(model), dict(input_ids=ids, attention_mask=mask, labels=labels),
               dict(input_ids=ids, attention_mask=mask, labels=labels))


def t5():
    from peft import LoraConfig, get_peft_model
    model = T5ForConditionalGeneration.from_pretrained(TINY_T5, dropout_rate=0.0)  # T5Attention calls F.dropout
    model.gradient_checkpointing_enable()
    model.enable_input_require_grads()
    torch.manual_seed(3)
    peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q", "v"], lora_dropout=0.0,
                                                  task_type="SEQ_2_SEQ_LM"))
    with torch.no_grad():
        for n, p in peft_model.named_parameters():
            if "lora_B" in n:
                p.normal_(0, 0.3)  # PEFT starts B at zero: give lora_A a gradient too
    d = os.path.join(OUT, "t5")
    os.makedirs(d, exist_ok=True)
    peft_model.save_pretrained(os.path.join(d, "adapter"))
    os.remove(os.path.join(d, "adapter", "README.md"))  # PEFT's model card: not part of the fixture
    ids, mask, g = batch(model.config.vocab_size)
    labels = torch.randint(3, model.config.vocab_size, (2, 5), generator=g)
    labels[1, 4] = -100
    dec = model._shift_right(labels)
    blocks = list(model.encoder.block) + list(model.decoder.block)
    return run("t5", peft_model, blocks, dict(input_ids=ids, attention_mask=mask, labels=labels),
               dict(input_ids=ids, attention_mask=mask, decoder_input_ids=dec, labels=labels))


def main():
    import peft
    import transformers
    manifest = {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__,
                "cases": {}}
    manifest["cases"]["llama-gqa"] = causal("llama-gqa", LlamaForCausalLM, lambda m: list(m.model.layers))
    manifest["cases"]["gpt2"] = causal("gpt2", GPT2LMHeadModel, lambda m: list(m.transformer.h))
    manifest["cases"]["t5"] = t5()
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
