"""Reference cases for trainer-core's Generator, made with transformers 4.33.2 (torch 1.13 CPU).

Builds two tiny random T5ForConditionalGeneration models (relu/tied and gated-gelu/untied), saves them with
save_pretrained(safe_serialization=True) under trainer-core/src/test/resources/generation/, and records what
model.generate() returns for one right-padded batch of three inputs: greedy and beam-search settings, plus one
run with only the defaults of the model folder's generation_config.json.

Run from the repository root:
    PYTHONPATH=/tmp/reference-python/site /usr/bin/python3 tools/reference/make_generation_cases.py

cases.json, per model and case: the generate() kwargs, and per input row the returned sequences with the decoder
start token removed and cut after the first EOS (as our Generator returns them), and for beam search the
sequence_scores.
"""
import json
import os

import torch
from transformers import GenerationConfig, T5Config, T5ForConditionalGeneration

OUT = os.path.join("trainer-core", "src", "test", "resources", "generation")
MAX_NEW = 12
EOS = 1
PAD = 0

# name -> (T5Config extras, EOS strength: how far the EOS row of the LM head points along typical hidden states)
MODELS = {
    "t5-relu-tied": (dict(feed_forward_proj="relu", tie_word_embeddings=True), 0.6),
    "t5-gated-untied": (dict(feed_forward_proj="gated-gelu", tie_word_embeddings=False), 1.0),
}

# The folder defaults written to the gated model's generation_config.json (read by GenerationConfig.fromModelFolder).
FOLDER_DEFAULTS = dict(num_beams=3, length_penalty=1.3, no_repeat_ngram_size=3, max_length=11,
                       early_stopping="never", num_return_sequences=2)


def build(seed, extra, eos_strength, ids, mask):
    torch.manual_seed(seed)
    config = T5Config(vocab_size=120, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_decoder_layers=3, num_heads=4,
                      relative_attention_num_buckets=8, relative_attention_max_distance=20, dropout_rate=0.0,
                      pad_token_id=PAD, eos_token_id=EOS, decoder_start_token_id=PAD, **extra)
    model = T5ForConditionalGeneration(config).eval()
    with torch.no_grad():
        # With the default init a tied model mostly predicts its own input token again (the residual stream carries
        # the input embedding straight to the tied head); a random-signed final norm breaks that symmetry.
        model.decoder.final_layer_norm.weight.normal_(0.0, 1.0)
        # Point the EOS row along the mean final hidden state so that EOS wins at some steps and not at others.
        dec = torch.randint(2, 120, (3, 8), generator=torch.Generator().manual_seed(seed))
        out = model(input_ids=ids, attention_mask=mask, decoder_input_ids=dec, output_hidden_states=True)
        h = out.decoder_hidden_states[-1].reshape(-1, config.d_model).mean(0)
        head = model.shared.weight if config.tie_word_embeddings else model.lm_head.weight
        head[EOS] = h / h.norm() * eos_strength * head.norm(dim=1).mean()
    return model


def inputs():
    g = torch.Generator().manual_seed(7)
    lengths = [9, 5, 13]
    ids = torch.full((3, max(lengths)), PAD, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for r, n in enumerate(lengths):
        ids[r, : n - 1] = torch.randint(2, 120, (n - 1,), generator=g)
        ids[r, n - 1] = EOS
        mask[r, :n] = 1
    return ids, mask


def strip(seq):
    out = seq[1:].tolist()
    if EOS in out:
        out = out[: out.index(EOS) + 1]
    return out


def run(model, ids, mask, kwargs):
    with torch.no_grad():
        res = model.generate(input_ids=ids, attention_mask=mask, return_dict_in_generate=True, output_scores=True,
                             **kwargs)
    n = kwargs.get("num_return_sequences", 1) if kwargs else FOLDER_DEFAULTS["num_return_sequences"]
    seqs = [strip(s) for s in res.sequences]
    rows = []
    for r in range(ids.shape[0]):
        row = {"sequences": seqs[r * n:(r + 1) * n]}
        if getattr(res, "sequences_scores", None) is not None:
            row["scores"] = [float(x) for x in res.sequences_scores[r * n:(r + 1) * n]]
        rows.append(row)
    return rows


def cases():
    # Every setting is explicit so that the gated model's generation_config.json does not leak into these cases.
    base = dict(max_new_tokens=MAX_NEW, do_sample=False, num_beams=1, length_penalty=1.0, no_repeat_ngram_size=0,
                early_stopping=False, num_return_sequences=1)
    out = [("greedy", {}), ("greedy_norepeat2", dict(no_repeat_ngram_size=2))]
    for lp in (0.8, 1.5):
        for nr in (0, 2):
            for es in (False, True):
                out.append((f"beam4_lp{lp}_nr{nr}_es{str(es).lower()}",
                            dict(num_beams=4, length_penalty=lp, no_repeat_ngram_size=nr, early_stopping=es,
                                 num_return_sequences=2)))
    out.append(("beam4_lp1.0_never", dict(num_beams=4, early_stopping="never", num_return_sequences=4)))
    out.append(("beam4_lp-0.5_never", dict(num_beams=4, length_penalty=-0.5, early_stopping="never")))
    out.append(("beam4_lp2.0_never_nr3", dict(num_beams=4, length_penalty=2.0, early_stopping="never",
                                              no_repeat_ngram_size=3, num_return_sequences=3)))
    out.append(("beam2_lp1.0", dict(num_beams=2)))
    return [(name, {**base, **kw}) for name, kw in out]


def main():
    ids, mask = inputs()
    result = {"transformers": __import__("transformers").__version__, "torch": torch.__version__,
              "input_ids": ids.tolist(), "attention_mask": mask.tolist(), "models": {}}
    for i, (name, (extra, eos_strength)) in enumerate(MODELS.items()):
        model = build(1000 + i, extra, eos_strength, ids, mask)
        folder = os.path.join(OUT, name)
        if name == "t5-gated-untied":
            model.generation_config = GenerationConfig(decoder_start_token_id=PAD, eos_token_id=EOS, pad_token_id=PAD,
                                                       **FOLDER_DEFAULTS)
        model.save_pretrained(folder, safe_serialization=True)
        model = T5ForConditionalGeneration.from_pretrained(folder).eval()
        recorded = {}
        for case, kwargs in cases():
            recorded[case] = {"kwargs": kwargs, "rows": run(model, ids, mask, kwargs)}
        if name == "t5-gated-untied":
            recorded["folder_defaults"] = {"kwargs": {}, "rows": run(model, ids, mask, {})}
        result["models"][name] = recorded
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
