#!/usr/bin/env python3
"""Greedy generation throughput of transformers' generate() on CPU, the yardstick of `peft bench generate` for
decoder-only configs.

    PYTHONPATH=/tmp/reference-python/site /usr/bin/python3 tools/reference/bench_generate.py \
        --config ../shared/models/smollm2-135m/config.json --batch 8 --source 512 --new 64 --repeats 3

Builds LlamaForCausalLM (llama, mistral, qwen2) or GPT2LMHeadModel from config.json with random weights (fp32,
eval mode), then times generate(do_sample=False, num_beams=1, use_cache=True) on random prompt ids with no
padding; EOS is disabled, so every row generates exactly --new tokens. Also times a 1-token generate (the prompt
pass). Prints one JSON line: medians in seconds, new tokens/s, and the peak resident set size.
"""
import argparse
import json
import os
import statistics
import time
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import torch
import transformers

from bench_common import peak_rss_mib, random_model


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", required=True, help="a decoder-only config.json (llama, mistral, qwen2, gpt2)")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--source", type=int, default=512, help="prompt tokens per row")
    ap.add_argument("--new", type=int, default=64, help="tokens generated per row")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    _, _, model = random_model(args.config, causal_only=True)
    model = model.float().eval()
    vocab = model.config.vocab_size
    ids = torch.randint(2, vocab, (args.batch, args.source), generator=torch.Generator().manual_seed(99))
    mask = torch.ones_like(ids)

    def run(new):
        t0 = time.perf_counter()
        with torch.no_grad():
            out = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=new, min_new_tokens=new,
                                 do_sample=False, num_beams=1, use_cache=True, pad_token_id=0, eos_token_id=None)
        assert out.shape == (args.batch, args.source + new), out.shape
        return time.perf_counter() - t0

    run(4)  # warm-up
    prompt = statistics.median(run(1) for _ in range(args.repeats))
    full = [run(args.new) for _ in range(args.repeats)]
    med = statistics.median(full)
    tokens = args.batch * args.new
    print(json.dumps({
        "impl": "transformers", "transformers": transformers.__version__, "torch": torch.__version__,
        "threads": torch.get_num_threads(), "batch": args.batch, "source": args.source, "new": args.new,
        "prompt_pass_s": prompt, "generate_s": med, "runs_s": full, "tokens_per_s": tokens / med,
        "decode_tokens_per_s": tokens / (med - prompt) if med > prompt else None,
        "peak_rss_mib": peak_rss_mib(),
    }))


if __name__ == "__main__":
    main()
