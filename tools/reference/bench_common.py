"""What the reference benchmarks share: the peak-memory reading and the random-weight model of a config.json."""
import json
import resource
import sys

from transformers import (GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM, T5Config,
                          T5ForConditionalGeneration)


def peak_rss_mib():
    # VmHWM is this process image's own peak; ru_maxrss would also count the parent's RSS at fork (the JVM)
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def random_model(config_path, causal_only=False):
    """(model_type, config, model) with random weights: GPT-2, the Llama family (llama, mistral, qwen2) or T5."""
    with open(config_path) as f:
        model_type = json.load(f).get("model_type")
    if model_type == "gpt2":
        config = GPT2Config.from_json_file(config_path)
        return model_type, config, GPT2LMHeadModel(config)
    if model_type in ("llama", "mistral", "qwen2"):  # Qwen2's q/k/v biases cost nothing measurable here
        with open(config_path) as f:
            raw = json.load(f)
        scaling = raw.get("rope_scaling")
        if scaling and scaling.get("rope_type", scaling.get("type")) == "llama3":
            # transformers 4.33 predates Llama 3.1's rope_type llama3; it changes the rotary frequencies only, not the
            # cost of a step, so the benchmark runs without it
            print("note: rope_scaling llama3 dropped (transformers 4.33 does not know it)", file=sys.stderr)
            raw["rope_scaling"] = None
            config = LlamaConfig.from_dict(raw)
            return model_type, config, LlamaForCausalLM(config)
        config = LlamaConfig.from_json_file(config_path)
        return model_type, config, LlamaForCausalLM(config)
    if model_type == "t5" and not causal_only:
        config = T5Config.from_json_file(config_path)
        return model_type, config, T5ForConditionalGeneration(config)
    raise SystemExit(f"{config_path}: model_type {model_type!r} is not supported here")
