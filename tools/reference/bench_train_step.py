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
Prints one JSON line: tokens/s where tokens = batch x (src + tgt) per step, over the timed steps only, and the
process's peak resident set size.
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

from bench_common import peak_rss_mib, random_model


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
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model_type, config, model = random_model(args.config)
    causal = model_type != "t5"
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

    for _ in range(args.warmup):
        step()
    start = time.perf_counter()
    losses = [step() for _ in range(args.steps)]
    elapsed = time.perf_counter() - start

    tokens_per_step = args.batch * (args.src + args.tgt)
    print(json.dumps({
        "mode": args.mode,
        "config": args.config,
        "batch": args.batch, "src": args.src, "tgt": args.tgt, "labels": args.labels if causal else "target",
        "warmup_steps": args.warmup, "timed_steps": args.steps,
        "threads": args.threads,
        "tokens_per_step": tokens_per_step,
        "seconds_per_step": elapsed / args.steps,
        "tokens_per_s": tokens_per_step * args.steps / elapsed,
        "peak_rss_mib": peak_rss_mib(),
        "trainable_params": sum(p.numel() for p in params),
        "total_params": sum(p.numel() for p in model.parameters()),
        "last_loss": losses[-1],
        "torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__,
        "cpu": platform.processor() or platform.machine(), "cpu_count": os.cpu_count(),
    }))


if __name__ == "__main__":
    main()
