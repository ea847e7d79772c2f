#!/usr/bin/env python3
"""Training-step throughput of transformers + PEFT on CPU, as the yardstick for peft-trainer's own `bench`.

    PYTHONPATH=/tmp/reference-python/site /usr/bin/python3 tools/reference/bench_train_step.py \
        --config ../shared/models/t5-small/config.json --batch 8 --src 512 --tgt 64 --mode lora --steps 3

Builds the model from config.json with random weights (fp32), then runs warm-up steps and timed steps of
forward + backward + AdamW on random token ids (every source and target position is real: no padding).
--mode lora: LoRA r=8 on q and v (alpha 32, dropout 0.05), only the adapter trains; for a decoder-only config
(llama, qwen2, gpt2: LlamaForCausalLM / GPT2LMHeadModel) PEFT's default targets (q_proj, v_proj; c_attn), and one
sequence of src + tgt tokens; the labels are the tgt tokens (the src part -100, as training masks the prompt), or
with --labels all every next token.
--mode dora: the same with use_dora (DoRA's magnitude vectors train too).
--mode full: every weight trains.
--gradient-checkpointing: model.gradient_checkpointing_enable() (and, for LoRA, enable_input_require_grads(), as
PEFT does for a checkpointed model, else no gradient reaches the adapters).
Prints one JSON line: tokens/s where tokens = batch x (src + tgt) per step, over the timed steps only, the
process's peak resident set size, and a breakdown as peft-trainer's bench computes it: runtime (RSS before the model
is built), weights (the fp32 base), adapter + optimizer (trainable parameters x 4 fp32 copies: value, gradient, AdamW's two
moments; 3 for full, whose values are the weights), activations peak (peak RSS minus the RSS before the first step and the 3 copies the first step adds).
"""
import argparse
import json
import os
import platform
import time
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import torch
import transformers
import peft
from peft import LoraConfig, TaskType, get_peft_model

from bench_common import peak_rss_mib, random_model, rss_mib


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", required=True, help="a T5 config.json")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--src", type=int, default=512, help="source tokens per example")
    ap.add_argument("--tgt", type=int, default=64, help="target tokens per example")
    ap.add_argument("--mode", choices=["lora", "dora", "full"], default="lora")
    ap.add_argument("--steps", type=int, default=3, help="timed steps")
    ap.add_argument("--warmup", type=int, default=1, help="untimed steps first")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="torch threads (default: all cores)")
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--labels", choices=["target", "all"], default="target",
                    help="decoder-only: labels on the tgt tokens only, the src part -100 as training masks the "
                         "prompt (target, default), or on every next token (all)")
    ap.add_argument("--gradient-checkpointing", action="store_true",
                    help="recompute every block in the backward pass (gradient_checkpointing_enable)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rss_before = rss_mib()
    model_type, config, model = random_model(args.config)
    rss_model = rss_mib()
    causal = model_type != "t5"
    if args.gradient_checkpointing:
        model.gradient_checkpointing_enable()
        if args.mode in ("lora", "dora"):
            model.enable_input_require_grads()
    if args.mode in ("lora", "dora"):
        model = get_peft_model(model, LoraConfig(task_type=TaskType.CAUSAL_LM if causal else TaskType.SEQ_2_SEQ_LM,
                                                 r=8, lora_alpha=32, lora_dropout=0.05,
                                                 target_modules=None if causal else ["q", "v"],
                                                 use_dora=args.mode == "dora"))
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=args.lr)

    g = torch.Generator().manual_seed(args.seed)
    if causal:
        input_ids = torch.randint(2, config.vocab_size, (args.batch, args.src + args.tgt), generator=g)
        labels = input_ids.clone()
        if args.labels == "target":
            labels[:, :args.src] = -100
    else:
        input_ids = torch.randint(2, config.vocab_size, (args.batch, args.src), generator=g)
        labels = torch.randint(2, config.vocab_size, (args.batch, args.tgt), generator=g)
    attention_mask = torch.ones_like(input_ids)

    def step():
        loss = model(input_ids=input_ids, attention_mask=attention_mask, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return loss.item()

    rss_before_step = rss_mib()
    for _ in range(args.warmup):
        step()
    start = time.perf_counter()
    losses = [step() for _ in range(args.steps)]
    elapsed = time.perf_counter() - start

    tokens_per_step = args.batch * (args.src + args.tgt)
    trainable_mib = sum(p.numel() for p in params) * 4 / 2**20
    peak = peak_rss_mib()
    print(json.dumps({
        "gradient_checkpointing": args.gradient_checkpointing,
        "mode": args.mode,
        "config": args.config,
        "batch": args.batch, "src": args.src, "tgt": args.tgt, "labels": args.labels if causal else "target",
        "warmup_steps": args.warmup, "timed_steps": args.steps,
        "threads": args.threads,
        "tokens_per_step": tokens_per_step,
        "seconds_per_step": elapsed / args.steps,
        "tokens_per_s": tokens_per_step * args.steps / elapsed,
        "peak_rss_mib": peak,
        "runtime_mib": rss_before,
        "rss_after_model_mib": rss_model,
        "weights_mib": sum(p.numel() for p in model.parameters() if not p.requires_grad or args.mode == "full") * 4 / 2**20,
        "adapter_optimizer_mib": (3 if args.mode == "full" else 4) * trainable_mib,
        "activations_peak_mib": peak - rss_before_step - 3 * trainable_mib,
        "trainable_params": sum(p.numel() for p in params),
        "total_params": sum(p.numel() for p in model.parameters()),
        "last_loss": losses[-1],
        "torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__,
        "cpu": platform.processor() or platform.machine(), "cpu_count": os.cpu_count(),
    }))


if __name__ == "__main__":
    main()
