#!/usr/bin/env python3
"""Writes the reference fixtures for peft-trainer's parity tests (trainer-parity).

The truth comes from the real libraries: transformers 4.33.2 (T5), PEFT 0.13.2 (LoRA, prompt tuning, merging,
weighted adapters), rouge_score 0.1.2 (ROUGE), sentencepiece (the slow T5Tokenizer's word model). Everything is
written under trainer-parity/src/test/resources/reference/ (the folder is wiped first); manifest.json there lists
every case. See tools/reference/README.md for the layout, the command and the PEFT facts the tests rely on.

Run (from anywhere):
    PYTHONPATH=/tmp/reference-python/site /usr/bin/python3 tools/reference/make_fixtures.py
"""
import os
import sys

# Set iteration order reaches PEFT's saved adapter_config.json ("all-linear" becomes a set of module names):
# pin the hash seed so that reruns write the same bytes.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

import collections
import copy
import io
import json
import math
import platform
import random
import re
import shutil
import tempfile
import warnings
from pathlib import Path

import torch

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
warnings.filterwarnings("ignore")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import numpy
import sentencepiece
import transformers
import peft
import rouge_score
from rouge_score import rouge_scorer
from safetensors import safe_open
from safetensors.torch import save_file, load_file
from transformers import T5Config, T5ForConditionalGeneration, T5Tokenizer, AutoTokenizer
from peft import (LoraConfig, PeftModel, PromptTuningConfig, PromptTuningInit, TaskType, get_peft_model)

transformers.logging.set_verbosity_error()
transformers.utils.logging.disable_progress_bar()

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("PEFT_TRAINER_SHARED", REPO.parent / "shared"))
DIALOGSUM_TRAIN = SHARED / "data" / "dialogsum" / "dialogsum.train.jsonl"
OUT = REPO / "trainer-parity" / "src" / "test" / "resources" / "reference"
COMMAND = "PYTHONPATH=/tmp/reference-python/site /usr/bin/python3 tools/reference/make_fixtures.py"

PAD, EOS, UNK = 0, 1, 2
TOKENIZER_VOCAB = 300
WORD_RE = re.compile(r"\w+|[^\w\s]+")  # what HF tokenizers' Whitespace pre-tokenizer splits on

MANIFEST_CASES = []


# ----------------------------------------------------------------------------------------------------------------
# small helpers

def rel(path):
    return Path(path).relative_to(OUT).as_posix()


def write_json(path, obj, indent=1):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=indent, ensure_ascii=False) + "\n", encoding="utf-8")


def save_tensors(path, tensors):
    """float32 (or int64) tensors, contiguous, in a safetensors file written by the pure-Python stand-in."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = {}
    for k, t in tensors.items():
        t = t.detach().cpu()
        if t.is_floating_point():
            t = t.to(torch.float32)
        out[k] = t.contiguous()
    save_file(out, str(path), metadata={"format": "pt"})
    return {k: list(v.shape) for k, v in sorted(out.items())}


def seeded(seed):
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def case(**fields):
    MANIFEST_CASES.append(fields)
    return fields


# ----------------------------------------------------------------------------------------------------------------
# tokenizer: a SentencePiece *word* model (for the slow T5Tokenizer that PEFT's TEXT init loads) and a WordLevel
# tokenizer.json with the same ids (for our Java tokenizer). Both come from the most frequent DialogSum words.

def dialogsum_lines():
    lines = []
    with open(DIALOGSUM_TRAIN, encoding="utf-8") as f:
        for line in f:
            for turn in json.loads(line)["dialogue"].split("\n"):
                words = WORD_RE.findall(turn.lower())
                if words:
                    lines.append(" ".join(words))
    return lines


def train_word_model(lines):
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=model, model_type="word", vocab_size=TOKENIZER_VOCAB,
        pad_id=PAD, eos_id=EOS, unk_id=UNK, bos_id=-1, pad_piece="<pad>", eos_piece="</s>", unk_piece="<unk>",
        character_coverage=1.0, normalization_rule_name="identity", input_sentence_size=0,
        shuffle_input_sentence=False, split_by_number=False, split_digits=False, minloglevel=2, num_threads=1)
    return model.getvalue()


def tokenizer_json(vocab):
    def special(i, s):
        return {"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": False, "special": True}

    eos = {"SpecialToken": {"id": "</s>", "type_id": 0}}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [special(PAD, "<pad>"), special(EOS, "</s>"), special(UNK, "<unk>")],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"Sequence": {"id": "A", "type_id": 0}}, eos],
            "pair": [{"Sequence": {"id": "A", "type_id": 0}}, eos, {"Sequence": {"id": "B", "type_id": 0}}, eos],
            "special_tokens": {"</s>": {"id": "</s>", "ids": [EOS], "tokens": ["</s>"]}},
        },
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": {w: i for i, w in enumerate(vocab)}, "unk_token": "<unk>"},
    }


class WordLevel:
    """What tokenizer.json does (Lowercase, Whitespace, WordLevel, append </s>), for making the inputs."""

    def __init__(self, vocab):
        self.ids = {w: i for i, w in enumerate(vocab)}
        self.vocab = vocab

    def encode(self, text):
        return [self.ids.get(w, UNK) for w in WORD_RE.findall(text.lower())] + [EOS]


def make_tokenizer(tmp, lines):
    spm_bytes = train_word_model(lines)
    sp = sentencepiece.SentencePieceProcessor(model_proto=spm_bytes)
    assert sp.get_piece_size() == TOKENIZER_VOCAB
    vocab = []
    for i in range(TOKENIZER_VOCAB):
        p = sp.id_to_piece(i)
        vocab.append(p[1:] if p.startswith("\u2581") else p)
    assert vocab[:3] == ["<pad>", "</s>", "<unk>"] and len(set(vocab)) == len(vocab)
    folder = Path(tmp) / "tokenizer"
    folder.mkdir()
    (folder / "spiece.model").write_bytes(spm_bytes)
    # save_pretrained writes tokenizer_config.json, special_tokens_map.json and spiece.model as transformers does
    T5Tokenizer(vocab_file=str(folder / "spiece.model"), extra_ids=0, legacy=True, model_max_length=512).save_pretrained(str(folder))
    for f in ("added_tokens.json",):
        if (folder / f).exists():
            (folder / f).unlink()
    write_json(folder / "tokenizer.json", tokenizer_json(vocab), indent=2)
    return folder, vocab


# ----------------------------------------------------------------------------------------------------------------
# checkpoints

COMMON = dict(d_model=64, d_kv=16, num_heads=4, d_ff=128, num_layers=2, num_decoder_layers=3, dropout_rate=0.1,
              layer_norm_epsilon=1e-6, initializer_factor=1.0, decoder_start_token_id=PAD, pad_token_id=PAD,
              eos_token_id=EOS)

ARCHS = {
    # T5 v1.0: ReLU FFN, lm_head tied to `shared` (so the decoder output is scaled by d_model^-0.5), few buckets and
    # a short max distance so that 11-token inputs already reach the logarithmic buckets and the clamp.
    "v1": dict(vocab_size=300, feed_forward_proj="relu", tie_word_embeddings=True,
               relative_attention_num_buckets=8, relative_attention_max_distance=10),
    # T5 v1.1 / FLAN-T5: gated-GELU FFN, untied lm_head; vocab padded past the tokenizer as in the real models.
    "v1_1": dict(vocab_size=320, feed_forward_proj="gated-gelu", tie_word_embeddings=False,
                 relative_attention_num_buckets=32, relative_attention_max_distance=128),
}

# name -> (architecture, weight seed, stored dtype, max_shard_size)
CHECKPOINTS = {
    "t5-v1-relu": ("v1", 1004, torch.float32, None),
    "t5-v1_1-gated": ("v1_1", 1004, torch.float32, "400KB"),
    "t5-v1-relu-bf16": ("v1", 1004, torch.bfloat16, None),
    "t5-v1_1-gated-fp16": ("v1_1", 1004, torch.float16, None),
}
DTYPE_NAMES = {torch.float32: "F32", torch.bfloat16: "BF16", torch.float16: "F16"}


def random_model(arch, seed):
    """transformers' own T5 initialisation, then a few changes that make the tiny model behave less degenerately."""
    torch.manual_seed(seed)
    model = T5ForConditionalGeneration(T5Config(**COMMON, **ARCHS[arch]))
    g = seeded(seed + 1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "layer_norm" in name:  # not all ones, so that a missing norm weight shows
                p.copy_(0.5 + torch.rand(p.shape, generator=g))
        # Random signs on the last norm: with a tied head the decoder otherwise copies its input token forever.
        final = model.decoder.final_layer_norm.weight
        final.copy_(2.0 * torch.randn(final.shape, generator=g))
        if not model.config.tie_word_embeddings:
            model.lm_head.weight.mul_(model.config.d_model ** -0.5)  # logits of order 1-10, not 30
        # A random model hardly ever picks </s>. Make its output row a slightly longer copy of one token's row, so
        # that </s> wins wherever that token would have, some rows finish early and beam search ranks finished
        # hypotheses (length_penalty and early_stopping only matter then).
        head = model.shared.weight if model.config.tie_word_embeddings else model.lm_head.weight
        if EOS_TWIN[arch] is not None:
            head[EOS] = 1.1 * head[EOS_TWIN[arch]]
    return model.eval()


EOS_TWIN = {"v1": 74, "v1_1": 17}  # picked by looking at greedy outputs of the seeds below


def write_checkpoints(tok_folder):
    infos = {}
    for name, (arch, seed, dtype, shard) in CHECKPOINTS.items():
        folder = OUT / "checkpoints" / name
        model = random_model(arch, seed).to(dtype)
        kwargs = {"safe_serialization": True}
        if shard:
            kwargs["max_shard_size"] = shard
        model.save_pretrained(str(folder), **kwargs)
        for f in tok_folder.iterdir():
            shutil.copy(f, folder / f.name)
        files = sorted(p.name for p in folder.iterdir() if p.suffix == ".safetensors")
        names = []
        for f in files:
            with safe_open(str(folder / f), framework="pt") as st:
                names += list(st.keys())
        index = folder / "model.safetensors.index.json"
        assert (shard is None) == (not index.exists())
        if shard:
            assert len(files) >= 3, files
        cfg = json.loads((folder / "config.json").read_text())
        infos[name] = case(
            id=f"checkpoint/{name}", kind="checkpoint", checkpoint=name, dir=rel(folder),
            t5_version="1.0" if arch == "v1" else "1.1", feed_forward_proj=cfg["feed_forward_proj"],
            tie_word_embeddings=cfg.get("tie_word_embeddings", True), stored_dtype=DTYPE_NAMES[dtype],
            config_torch_dtype=cfg["torch_dtype"], weight_files=files, sharded=bool(shard),
            index_file=rel(index) if shard else None, vocab_size=cfg["vocab_size"],
            tokenizer_vocab_size=TOKENIZER_VOCAB,
            relative_attention_num_buckets=cfg["relative_attention_num_buckets"],
            relative_attention_max_distance=cfg["relative_attention_max_distance"],
            stored_tensors=sorted(names),
            same_weights_as=("t5-v1-relu" if name == "t5-v1-relu-bf16" else
                             "t5-v1_1-gated" if name == "t5-v1_1-gated-fp16" else None),
        )
    return infos


def load_base(name, dropout=None):
    """As our loader does: every stored dtype upcast to float32. dropout=0.0 for the gradient fixtures."""
    kwargs = {"torch_dtype": torch.float32}
    if dropout is not None:
        kwargs["dropout_rate"] = dropout
    model = T5ForConditionalGeneration.from_pretrained(f"checkpoints/{name}", **kwargs)
    for p in model.parameters():
        assert p.dtype == torch.float32
    return model.eval()


# ----------------------------------------------------------------------------------------------------------------
# inputs

BATCH_SOURCES = [
    # 10 words + </s> = 11 tokens; "dollars" is the last id of the tokenizer (299)
    "# person1 #: hi , you left two dollars here",
    # 6 + 1 = 7 tokens; "zebra" is not in the vocabulary (unk)
    "i remember the zebra bus ?",
    # 3 + 1 = 4 tokens
    "important change away",
]
BATCH_TARGETS = [
    "person1 left the money .",          # 5 + 1
    "they remember the chinese bus yet",  # 6 + 1 (ids 290, 289, 292 near the end)
    "ok",                                 # 1 + 1
]


def make_inputs(wl, tok_folder):
    slow = AutoTokenizer.from_pretrained(str(tok_folder), use_fast=False)
    assert type(slow).__name__ == "T5Tokenizer", type(slow)
    src = [wl.encode(t) for t in BATCH_SOURCES]
    tgt = [wl.encode(t) for t in BATCH_TARGETS]
    for text, ids in zip(BATCH_SOURCES + BATCH_TARGETS, src + tgt):
        # the real (slow, SentencePiece) T5Tokenizer must agree with the WordLevel tokenizer.json on these texts
        assert slow(text)["input_ids"] == ids, (text, slow(text)["input_ids"], ids)
    assert [len(s) for s in src] == [11, 7, 4], [len(s) for s in src]
    batch = pad_batch(src, tgt)
    batch["source_texts"] = BATCH_SOURCES
    batch["target_texts"] = BATCH_TARGETS
    write_json(OUT / "inputs" / "batch.json", batch)

    g = seeded(77)
    long_src = [torch.randint(3, TOKENIZER_VOCAB, (n - 1,), generator=g).tolist() + [EOS] for n in (140, 60)]
    long_tgt = [torch.randint(3, TOKENIZER_VOCAB, (n - 1,), generator=g).tolist() + [EOS] for n in (20, 13)]
    long = pad_batch(long_src, long_tgt)
    write_json(OUT / "inputs" / "long.json", long)
    return {"batch": batch, "long": long}


def pad_batch(src, tgt):
    s_len, t_len = max(map(len, src)), max(map(len, tgt))
    input_ids = [s + [PAD] * (s_len - len(s)) for s in src]
    mask = [[1] * len(s) + [0] * (s_len - len(s)) for s in src]
    labels = [t + [-100] * (t_len - len(t)) for t in tgt]
    # transformers' T5 _shift_right: start token 0, then labels[:-1], -100 replaced by pad
    dec = [[COMMON["decoder_start_token_id"]] + [PAD if x == -100 else x for x in row[:-1]] for row in labels]
    return {"input_ids": input_ids, "attention_mask": mask, "labels": labels, "decoder_input_ids": dec}


def tensors_of(batch):
    return {k: torch.tensor(batch[k]) for k in ("input_ids", "attention_mask", "labels")}


# ----------------------------------------------------------------------------------------------------------------
# forward and full gradients of the base checkpoints

def write_forward(inputs, infos):
    for name in CHECKPOINTS:
        model = load_base(name)
        sets = ["batch", "long"] if infos[name]["stored_dtype"] == "F32" else ["batch"]
        for set_name in sets:
            t = tensors_of(inputs[set_name])
            dec = model._shift_right(t["labels"])
            assert dec.tolist() == inputs[set_name]["decoder_input_ids"]
            with torch.no_grad():
                out = model(**t)
            path = OUT / "forward" / name / f"{set_name}.safetensors"
            shapes = save_tensors(path, {"encoder_last_hidden_state": out.encoder_last_hidden_state,
                                         "logits": out.logits, "loss": out.loss.reshape(1)})
            case(id=f"forward/{name}/{set_name}", kind="forward", checkpoint=name,
                 inputs=f"inputs/{set_name}.json", mode="eval", dropout_rate=None, outputs=rel(path),
                 output_tensors=shapes, loss=out.loss.item())


FULL_GRAD_TENSORS = [
    "shared.weight", "lm_head.weight",
    "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
    "decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
    "encoder.block.1.layer.0.SelfAttention.q.weight",
    "encoder.block.1.layer.0.layer_norm.weight",
    "encoder.block.1.layer.1.DenseReluDense.wi.weight",
    "encoder.block.1.layer.1.DenseReluDense.wi_0.weight",
    "encoder.block.1.layer.1.DenseReluDense.wi_1.weight",
    "encoder.block.1.layer.1.DenseReluDense.wo.weight",
    "encoder.final_layer_norm.weight",
    "decoder.block.2.layer.0.SelfAttention.v.weight",
    "decoder.block.2.layer.1.EncDecAttention.k.weight",
    "decoder.block.2.layer.1.EncDecAttention.o.weight",
    "decoder.block.2.layer.2.layer_norm.weight",
    "decoder.final_layer_norm.weight",
]


def write_full_grads(inputs):
    for name in ("t5-v1-relu", "t5-v1_1-gated"):
        model = load_base(name, dropout=0.0)
        model.train()
        out = model(**tensors_of(inputs["batch"]))
        out.loss.backward()
        params = dict(model.named_parameters())  # tied weights appear once, as shared.weight
        grads = {k: params[k].grad for k in FULL_GRAD_TENSORS if k in params}
        path = OUT / "full_grad" / f"{name}.safetensors"
        shapes = save_tensors(path, grads)
        case(id=f"full_grad/{name}", kind="full_grad", checkpoint=name, inputs="inputs/batch.json",
             mode="train", dropout_rate=0.0, grads=rel(path), grad_tensors=shapes, loss=out.loss.item(),
             note="gradient of the mean loss w.r.t. the named base weights (all weights trainable); "
                  "a tied lm_head contributes to shared.weight")


# ----------------------------------------------------------------------------------------------------------------
# LoRA

LORA_CASES = {
    # name: checkpoint, target_modules, r, alpha, rslora, seed
    "qv_r4_a8": ("t5-v1_1-gated", ["q", "v"], 4, 8, False, 2001),
    "qv_r4_a8_rslora": ("t5-v1_1-gated", ["q", "v"], 4, 8, True, 2002),
    "qv_r8_a32": ("t5-v1_1-gated", ["q", "v"], 8, 32, False, 2003),
    "all_linear_r4_a8": ("t5-v1_1-gated", "all-linear", 4, 8, False, 2004),
    "all_linear_r4_a16_rslora_v1": ("t5-v1-relu", "all-linear", 4, 16, True, 2005),
}
LORA_STD = 0.1


def randomize_lora(model, adapter, seed):
    """PEFT zero-initialises lora_B (and Kaiming-initialises lora_A); overwrite both so every path is non-zero."""
    g = seeded(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            if f".lora_A.{adapter}." in name or f".lora_B.{adapter}." in name:
                p.copy_(torch.randn(p.shape, generator=g) * LORA_STD)


def peft_key(param_name, adapter="default"):
    """PEFT parameter name -> key in adapter_model.safetensors (the adapter name is dropped)."""
    return param_name.replace(f".{adapter}.", ".")


def lora_config(targets, r, alpha, rslora):
    return LoraConfig(task_type=TaskType.SEQ_2_SEQ_LM, target_modules=targets, r=r, lora_alpha=alpha,
                      lora_dropout=0.0, use_rslora=rslora, bias="none")


def save_adapter(model, folder, adapter="default"):
    """save_pretrained as PEFT does it; a non-default adapter lands in a sub-folder, which we lift up."""
    folder = Path(folder)
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp, selected_adapters=[adapter], safe_serialization=True)
        src = Path(tmp) / adapter if adapter != "default" else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for f in sorted(src.iterdir()):
            if f.is_file():
                shutil.copy(f, folder / f.name)
        if (Path(tmp) / "README.md").exists():  # the model card goes to the top folder for every adapter
            shutil.copy(Path(tmp) / "README.md", folder / "README.md")
    return sorted(p.name for p in folder.iterdir())


def write_lora(inputs):
    batch = tensors_of(inputs["batch"])
    for cname, (ckpt, targets, r, alpha, rslora, seed) in LORA_CASES.items():
        base = load_base(ckpt, dropout=0.0)
        model = get_peft_model(base, lora_config(targets, r, alpha, rslora))
        randomize_lora(model, "default", seed)
        model.train()
        out = model(**batch)
        out.loss.backward()
        grads = {peft_key(n): p.grad for n, p in model.named_parameters() if p.requires_grad}
        assert grads and all(g is not None for g in grads.values())
        folder = OUT / "lora" / cname
        files = save_adapter(model, folder / "adapter")
        saved = load_keys(folder / "adapter" / "adapter_model.safetensors")
        assert sorted(saved) == sorted(grads), (sorted(saved)[:3], sorted(grads)[:3])
        out_shapes = save_tensors(folder / "outputs.safetensors", {"logits": out.logits, "loss": out.loss.reshape(1)})
        grad_shapes = save_tensors(folder / "grads.safetensors", grads)
        model.eval()
        with torch.no_grad():
            eval_logits = model(**batch).logits
        assert torch.equal(eval_logits, out.logits.detach()), "dropout 0: train and eval forward must agree"
        # PEFT must load what it saved and give the same logits
        reloaded = PeftModel.from_pretrained(load_base(ckpt), str(folder / "adapter")).eval()
        with torch.no_grad():
            assert torch.allclose(reloaded(**batch).logits, out.logits, atol=1e-5)
        cfg = json.loads((folder / "adapter" / "adapter_config.json").read_text())
        layer = next(m for m in model.modules() if hasattr(m, "scaling") and "default" in getattr(m, "scaling", {}))
        case(id=f"lora/{cname}", kind="lora", checkpoint=ckpt, inputs="inputs/batch.json", mode="train",
             dropout_rate=0.0, adapter_dir=rel(folder / "adapter"), adapter_files=files,
             target_modules=targets, resolved_target_modules=cfg["target_modules"], r=r, lora_alpha=alpha,
             use_rslora=rslora, lora_dropout=0.0, scaling=layer.scaling["default"],
             lora_init="N(0, %g) for lora_A and lora_B (torch.Generator seed %d, sorted parameter order)"
                       % (LORA_STD, seed),
             outputs=rel(folder / "outputs.safetensors"), output_tensors=out_shapes,
             grads=rel(folder / "grads.safetensors"), grad_tensors=grad_shapes, loss=out.loss.item())
        if cname == "qv_r4_a8":
            write_merge(cname, ckpt, model, folder)


def load_keys(path):
    with safe_open(str(path), framework="pt") as f:
        return list(f.keys())


def changed_tensors(base_sd, merged_sd):
    assert sorted(base_sd) == sorted(merged_sd), set(base_sd) ^ set(merged_sd)
    return {k: merged_sd[k] for k in sorted(base_sd) if not torch.equal(base_sd[k], merged_sd[k])}


def write_merge(cname, ckpt, model, folder):
    batch = tensors_of(json.loads((OUT / "inputs" / "batch.json").read_text()))
    base_sd = {k: v.clone() for k, v in load_base(ckpt).state_dict().items()}
    merged = copy.deepcopy(model).merge_and_unload().eval()
    changed = changed_tensors(base_sd, merged.state_dict())
    out_dir = OUT / "merge" / cname
    shapes = save_tensors(out_dir / "merged_changed.safetensors", changed)
    with torch.no_grad():
        out = merged(**batch)
    out_shapes = save_tensors(out_dir / "outputs.safetensors", {"logits": out.logits, "loss": out.loss.reshape(1)})
    case(id=f"merge/{cname}", kind="lora_merge", checkpoint=ckpt, adapter_dir=rel(folder / "adapter"),
         inputs="inputs/batch.json", mode="eval", dropout_rate=None,
         outputs=rel(out_dir / "outputs.safetensors"), output_tensors=out_shapes, loss=out.loss.item(),
         merged_changed=rel(out_dir / "merged_changed.safetensors"), changed_tensors=shapes,
         changed_tensors_all=sorted(changed),
         unchanged="every other tensor of the checkpoint is bit-identical to the base after merge_and_unload()")


# ----------------------------------------------------------------------------------------------------------------
# add_weighted_adapter

# PEFT 0.13.2 selects an adapter's tensors for saving with `adapter_name in key`: one-letter names like "a" match
# every key ("base_model", "lora_A"), so the inputs carry names that no key contains by accident.
WEIGHTED_INPUTS = {
    # name: r, alpha, use_rslora, seed
    "first": (4, 8, False, 3001),
    "second": (4, 16, False, 3002),
    "third": (8, 32, False, 3003),
    "first_rslora": (4, 8, True, 3001),
    "second_rslora": (4, 16, True, 3002),
}
WEIGHTED = {
    # name: combination_type, input adapters, weights, whether merged weights are stored
    "linear": ("linear", ["first", "second"], [0.7, 0.3], True),
    "cat": ("cat", ["first", "third"], [0.7, 0.3], True),
    "linear_rslora": ("linear", ["first_rslora", "second_rslora"], [0.7, 0.3], False),
}
WEIGHTED_CKPT = "t5-v1_1-gated"
WEIGHTED_MERGED_SUBSET = ["encoder.block.0.layer.0.SelfAttention.q.weight",
                          "encoder.block.1.layer.0.SelfAttention.v.weight",
                          "decoder.block.0.layer.0.SelfAttention.v.weight",
                          "decoder.block.2.layer.1.EncDecAttention.q.weight"]


def write_weighted(inputs):
    batch = tensors_of(inputs["batch"])
    base_sd = {k: v.clone() for k, v in load_base(WEIGHTED_CKPT).state_dict().items()}
    saved_inputs = set()
    for wname, (ctype, names, weights, store_merged) in WEIGHTED.items():
        folder = OUT / "weighted" / wname
        model = None
        for aname in names:
            r, alpha, rslora, seed = WEIGHTED_INPUTS[aname]
            cfg = lora_config(["q", "v"], r, alpha, rslora)
            if model is None:
                model = get_peft_model(load_base(WEIGHTED_CKPT), cfg, adapter_name=aname)
            else:
                model.add_adapter(aname, cfg)
            randomize_lora(model, aname, seed)
        model.add_weighted_adapter(names, weights, "combined", combination_type=ctype)
        model.set_adapter("combined")
        model.eval()
        for aname in names:
            if aname not in saved_inputs:
                save_adapter(model, OUT / "weighted" / "inputs" / aname, adapter=aname)
                saved_inputs.add(aname)
        files = save_adapter(model, folder / "combined", adapter="combined")
        with torch.no_grad():
            out = model(**batch)
        out_shapes = save_tensors(folder / "outputs.safetensors", {"logits": out.logits, "loss": out.loss.reshape(1)})
        merged = copy.deepcopy(model).merge_and_unload(adapter_names=["combined"]).eval()
        with torch.no_grad():
            ml = merged(**batch).logits
        assert torch.allclose(ml, out.logits, atol=1e-4 * out.logits.abs().max().item()), (ml - out.logits).abs().max()
        extra = {}
        if store_merged:  # a few of the changed tensors (the logits above cover the others), to keep the size down
            changed = changed_tensors(base_sd, merged.state_dict())
            assert set(WEIGHTED_MERGED_SUBSET) <= set(changed)
            extra = dict(merged_changed=rel(folder / "merged_changed.safetensors"),
                         changed_tensors_all=sorted(changed),
                         changed_tensors=save_tensors(folder / "merged_changed.safetensors",
                                                      {k: changed[k] for k in WEIGHTED_MERGED_SUBSET}))
        check_weighted_formula(ctype, names, weights, folder / "combined")
        ccfg = json.loads((folder / "combined" / "adapter_config.json").read_text())
        layer = next(m for m in model.modules() if hasattr(m, "scaling") and "combined" in getattr(m, "scaling", {}))
        case(id=f"weighted/{wname}", kind="weighted_adapter", checkpoint=WEIGHTED_CKPT, combination_type=ctype,
             input_adapters=[{"name": a, "dir": rel(OUT / "weighted" / "inputs" / a), "r": WEIGHTED_INPUTS[a][0],
                              "lora_alpha": WEIGHTED_INPUTS[a][1], "use_rslora": WEIGHTED_INPUTS[a][2],
                              "weight": w} for a, w in zip(names, weights)],
             result_dir=rel(folder / "combined"), result_files=files, result_r=ccfg["r"],
             result_lora_alpha=ccfg["lora_alpha"], result_use_rslora=ccfg["use_rslora"],
             result_scaling=layer.scaling["combined"], inputs="inputs/batch.json", mode="eval", dropout_rate=None,
             outputs=rel(folder / "outputs.safetensors"), output_tensors=out_shapes, loss=out.loss.item(), **extra)


def check_weighted_formula(ctype, names, weights, combined_dir):
    """The formulas written down in tools/reference/README.md, checked against what PEFT saved."""
    combined = load_file(str(combined_dir / "adapter_model.safetensors"))
    ins = [load_file(str(OUT / "weighted" / "inputs" / n / "adapter_model.safetensors")) for n in names]
    scal = []
    for n in names:
        r, alpha, rslora, _ = WEIGHTED_INPUTS[n]
        scal.append(alpha / math.sqrt(r) if rslora else alpha / r)
    for key in combined:
        if ".lora_A." not in key:
            continue
        bkey = key.replace(".lora_A.", ".lora_B.")
        if ctype == "linear":
            a = sum(math.sqrt(w * s) * t[key] for w, s, t in zip(weights, scal, ins))
            b = sum(math.sqrt(w * s) * t[bkey] for w, s, t in zip(weights, scal, ins))
        else:  # cat
            a = torch.cat([w * s * t[key] for w, s, t in zip(weights, scal, ins)], dim=0)
            b = torch.cat([t[bkey] for t in ins], dim=1)
        assert torch.allclose(combined[key], a, atol=1e-6) and torch.allclose(combined[bkey], b, atol=1e-6), key


# ----------------------------------------------------------------------------------------------------------------
# prompt tuning

PROMPT_CASES = {
    # name: checkpoint, init, num_virtual_tokens, init text, seed
    "random_n5": ("t5-v1_1-gated", "RANDOM", 5, None, 4001),
    "text_n4": ("t5-v1_1-gated", "TEXT", 4, "give the best idea", 4002),
}


def write_prompt(inputs):
    batch = tensors_of(inputs["batch"])
    for pname, (ckpt, init, n, text, seed) in PROMPT_CASES.items():
        folder = OUT / "prompt" / pname
        kwargs = dict(task_type=TaskType.SEQ_2_SEQ_LM, num_virtual_tokens=n,
                      prompt_tuning_init=PromptTuningInit[init])
        init_ids = None
        if init == "TEXT":
            # use_fast=False: `tokenizers` is a stub here, so AutoTokenizer must take the slow T5Tokenizer
            kwargs.update(prompt_tuning_init_text=text, tokenizer_name_or_path=f"checkpoints/{ckpt}",
                          tokenizer_kwargs={"use_fast": False})
            init_ids = AutoTokenizer.from_pretrained(f"checkpoints/{ckpt}", use_fast=False)(text)["input_ids"]
        torch.manual_seed(seed)  # RANDOM init: nn.Embedding's N(0, 1) from the global generator
        model = get_peft_model(load_base(ckpt, dropout=0.0), PromptTuningConfig(**kwargs))
        emb = model.prompt_encoder["default"].embedding.weight
        assert emb.shape == (2 * n, 64), emb.shape
        if init == "TEXT":
            total = 2 * n
            expect = (init_ids * math.ceil(total / len(init_ids)))[:total]
            assert torch.equal(emb.detach(), model.word_embeddings.weight[torch.tensor(expect)].detach())
        model.train()
        out = model(**batch)
        out.loss.backward()
        grad = emb.grad
        assert torch.count_nonzero(grad[n:]) == 0, "the second N rows are not used by PROMPT_TUNING forward"
        files = save_adapter(model, folder / "adapter")
        out_shapes = save_tensors(folder / "outputs.safetensors", {"logits": out.logits, "loss": out.loss.reshape(1)})
        grad_shapes = save_tensors(folder / "grads.safetensors", {"prompt_embeddings": grad})
        reloaded = PeftModel.from_pretrained(load_base(ckpt), str(folder / "adapter")).eval()
        with torch.no_grad():
            assert torch.allclose(reloaded(**batch).logits, out.logits, atol=1e-5)
        case(id=f"prompt/{pname}", kind="prompt_tuning", checkpoint=ckpt, inputs="inputs/batch.json", mode="train",
             dropout_rate=0.0, prompt_tuning_init=init, num_virtual_tokens=n, num_transformer_submodules=2,
             prompt_embeddings_shape=list(emb.shape), init_text=text, init_token_ids=init_ids,
             init_rows_token_ids=((init_ids * math.ceil(2 * n / len(init_ids)))[:2 * n] if init_ids else None),
             tokenizer_name_or_path=(f"checkpoints/{ckpt}" if init == "TEXT" else None),
             random_init=("nn.Embedding N(0,1) after torch.manual_seed(%d); values only in the adapter file" % seed
                          if init == "RANDOM" else None),
             adapter_dir=rel(folder / "adapter"), adapter_files=files,
             outputs=rel(folder / "outputs.safetensors"), output_tensors=out_shapes,
             grads=rel(folder / "grads.safetensors"), grad_tensors=grad_shapes, loss=out.loss.item())


# ----------------------------------------------------------------------------------------------------------------
# generation

GREEDY = dict(max_new_tokens=12, num_beams=1, do_sample=False)
BEAM = dict(max_new_tokens=12, num_beams=4, do_sample=False, length_penalty=0.8, no_repeat_ngram_size=2,
            early_stopping=False)
BEAM_ES = dict(max_new_tokens=12, num_beams=4, do_sample=False, length_penalty=0.8, no_repeat_ngram_size=3,
               early_stopping=True)
BEAM_LP = dict(max_new_tokens=12, num_beams=3, do_sample=False, length_penalty=2.0, no_repeat_ngram_size=0,
               early_stopping=False)

GENERATION = [
    # name, checkpoint, adapter (None | lora case | prompt case), settings
    ("base_v1_1_greedy", "t5-v1_1-gated", None, GREEDY),
    ("base_v1_1_beam4", "t5-v1_1-gated", None, BEAM),
    ("base_v1_1_beam4_early", "t5-v1_1-gated", None, BEAM_ES),
    ("base_v1_1_beam3_lp2", "t5-v1_1-gated", None, BEAM_LP),
    ("base_v1_greedy", "t5-v1-relu", None, GREEDY),
    ("base_v1_beam4", "t5-v1-relu", None, BEAM),
    ("lora_qv_r4_a8_greedy", "t5-v1_1-gated", "lora/qv_r4_a8", GREEDY),
    ("lora_qv_r4_a8_beam4", "t5-v1_1-gated", "lora/qv_r4_a8", BEAM),
    ("prompt_text_n4_greedy", "t5-v1_1-gated", "prompt/text_n4", GREEDY),
    ("prompt_text_n4_beam4", "t5-v1_1-gated", "prompt/text_n4", BEAM),
]


def write_generation(inputs):
    batch = inputs["batch"]
    ids = torch.tensor(batch["input_ids"])
    mask = torch.tensor(batch["attention_mask"])
    summary = {}
    for gname, ckpt, adapter, settings in GENERATION:
        model = load_base(ckpt)
        if adapter:
            model = PeftModel.from_pretrained(model, str(OUT / adapter / "adapter")).eval()
        with torch.no_grad():
            out = model.generate(input_ids=ids, attention_mask=mask, output_scores=True,
                                 return_dict_in_generate=True, **settings)
        seqs = out.sequences.tolist()
        record = {"sequences": seqs}
        if settings["num_beams"] > 1:
            record["sequences_scores"] = out.sequences_scores.tolist()
        else:
            # greedy: log-softmax of the chosen token at each step, null once the row has finished (pad is then
            # forced, whatever the scores say); and the smallest top-1/top-2 logit gap over the unfinished steps,
            # which says how much numerical slack an implementation has before it picks another token.
            logprobs = [[] for _ in seqs]
            gap = math.inf
            for step, logits in enumerate(out.scores):
                lp = torch.log_softmax(logits.float(), dim=-1)
                top2 = logits.float().topk(2, dim=-1).values
                for b, seq in enumerate(seqs):
                    finished = EOS in seq[1:step + 1]
                    logprobs[b].append(None if finished else lp[b, seq[step + 1]].item())
                    if not finished:
                        gap = min(gap, (top2[b, 0] - top2[b, 1]).item())
            record["token_logprobs"] = logprobs
            record["min_top2_logit_gap"] = gap
        path = OUT / "generation" / f"{gname}.json"
        write_json(path, record)
        summary[gname] = (seqs, record.get("min_top2_logit_gap"))
        case(id=f"generate/{gname}", kind="generate", checkpoint=ckpt, adapter_dir=(f"{adapter}/adapter" if adapter
                                                                                      else None),
             inputs="inputs/batch.json", mode="eval", dropout_rate=None,
             settings=dict(settings, decoder_start_token_id=PAD, eos_token_id=EOS, pad_token_id=PAD),
             outputs=rel(path), sequences=seqs, min_top2_logit_gap=record.get("min_top2_logit_gap"))
    return summary


# ----------------------------------------------------------------------------------------------------------------
# ROUGE

ROUGE_TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]


def rouge_words(lines):
    cnt = collections.Counter()
    for line in lines[:40000]:
        cnt.update(w for w in line.split() if w.isalpha())
    return [w for w, _ in cnt.most_common(1500)]


def write_rouge(lines):
    rng = random.Random(5001)
    words = rouge_words(lines)
    common = words[:60]
    inflect = ["running", "runs", "ran", "studies", "studying", "studied", "happily", "happiness", "connection",
               "connected", "connecting", "generously", "relational", "conditional", "rational", "valency",
               "hesitancy", "digitizer", "conformabli", "radicalli", "differentli", "vileli", "analogousli",
               "operator", "feudalism", "decisiveness", "hopefulness", "callousness", "formaliti", "sensitiviti",
               "sensibiliti", "triplicate", "formative", "formalize", "electriciti", "electrical", "hopeful",
               "goodness", "revival", "allowance", "inference", "airliner", "gyroscopic", "adjustable", "defensible",
               "irritant", "replacement", "adjustment", "dependent", "adoption", "homologou", "communism",
               "activate", "angulariti", "homologous", "effective", "bowdlerize", "caresses", "ponies", "ties",
               "cats", "feed", "agreed", "plastered", "bled", "motoring", "sing", "conflated", "troubled", "sized",
               "hopping", "tanned", "falling", "hissing", "fizzed", "failing", "filing", "happy", "sky", "was",
               "has", "does", "is", "the", "a", "dying", "lying", "generalizations", "oscillators", "mice"]
    punct = [",", ".", "!", "?", ";", ":", "-", "--", "'", "\"", "(", ")", "#", "#person1#:", "#Person2#:",
             "$", "%", "&", "...", "e.g.", "U.S.", "don't", "it's", "o'clock", "3:30", "10%", "$5.99"]
    numbers = ["0", "1", "2", "10", "42", "2023", "3.14", "1,000", "007", "1st", "2nd", "4th", "24/7"]
    unicode = ["café", "naïve", "Zürich", "résumé", "ﬁne", "日本語", "中文", "😀", "Ωmega", "straße", "İstanbul",
               "ＡＢＣ", "niño", "—", "“quoted”", "‘single’", "\u00a0", "\u200b", "ß", "Æsir", "ǅ", "x²"]

    def word(pool_weights):
        r = rng.random()
        if r < pool_weights[0]:
            return rng.choice(common)
        r -= pool_weights[0]
        if r < pool_weights[1]:
            return rng.choice(words)
        r -= pool_weights[1]
        if r < pool_weights[2]:
            return rng.choice(inflect)
        r -= pool_weights[2]
        if r < pool_weights[3]:
            return rng.choice(punct)
        r -= pool_weights[3]
        if r < pool_weights[4]:
            return rng.choice(numbers)
        return rng.choice(unicode)

    def sentence(n, weights):
        ws = [word(weights) for _ in range(n)]
        if rng.random() < 0.2:
            ws = [w.capitalize() if rng.random() < 0.5 else w.upper() for w in ws]
        if rng.random() < 0.15 and ws:  # repeated tokens
            k = rng.randrange(len(ws))
            ws[k:k] = [ws[k]] * rng.randint(1, 4)
        return " ".join(ws)

    def text(weights, kind):
        if kind == "empty":
            return rng.choice(["", " ", "\n", "  \n ", "...", "!!", "😀"])
        n_lines = 1 if kind == "single" else rng.randint(2, 4)
        lines_ = [sentence(rng.randint(1, 14), weights) for _ in range(n_lines)]
        sep = "\n"
        if kind == "crlf":
            sep = "\r\n"
        elif kind == "mixed_nl":
            sep = rng.choice(["\n", "\n\n", " \n", "\r\n", "\r"])
        t = sep.join(lines_)
        if rng.random() < 0.1:
            t = rng.choice([" ", "\n", "\t", "  "]) + t + rng.choice(["", " ", "\n", "\t"])
        return t

    def related(src, weights):
        """A reference that shares words with the prediction, so that scores are not all zero."""
        toks = src.split(" ")
        out = [t for t in toks if rng.random() < 0.7]
        for _ in range(rng.randint(0, 5)):
            out.insert(rng.randint(0, len(out)), word(weights))
        return " ".join(out)

    scorers = {s: rouge_scorer.RougeScorer(ROUGE_TYPES, use_stemmer=s) for s in (True, False)}
    profiles = [
        (0.45, 0.3, 0.1, 0.1, 0.05, 0.0),   # plain words
        (0.3, 0.25, 0.15, 0.15, 0.1, 0.05),  # everything
        (0.1, 0.1, 0.6, 0.1, 0.05, 0.05),    # stemmer-heavy
        (0.2, 0.2, 0.0, 0.2, 0.2, 0.2),      # punctuation, numbers, unicode
    ]
    rows = []
    n_rows = 3000
    for i in range(n_rows):
        weights = rng.choice(profiles)
        kind = rng.choices(["single", "multi", "crlf", "mixed_nl", "empty"], [0.45, 0.3, 0.08, 0.1, 0.07])[0]
        pred = text(weights, kind)
        n_refs = 1 if rng.random() < 0.7 else rng.randint(2, 4)
        refs = []
        for _ in range(n_refs):
            rkind = rng.choices(["related", "single", "multi", "empty"], [0.6, 0.15, 0.2, 0.05])[0]
            if rkind == "related":
                refs.append(related(pred, weights))
            else:
                refs.append(text(weights, rkind))
        stem = rng.random() < 0.75
        scorer = scorers[stem]
        scores = scorer.score(refs[0], pred) if n_refs == 1 else scorer.score_multi(refs, pred)
        rows.append({"id": i, "prediction": pred, "references": refs, "use_stemmer": stem,
                     "method": "score" if n_refs == 1 else "score_multi",
                     "scores": {t: [scores[t].precision, scores[t].recall, scores[t].fmeasure] for t in ROUGE_TYPES}})
    path = OUT / "rouge" / "pairs.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
    nonzero = sum(1 for r in rows if r["scores"]["rouge1"][2] > 0)
    case(id="rouge/pairs", kind="rouge", file=rel(path), rows=len(rows), rouge_types=ROUGE_TYPES,
         row_fields={"id": "int", "prediction": "str", "references": "list[str] (1 to 4)",
                     "use_stemmer": "bool", "method": "score (one reference: scorer.score(references[0], "
                                                         "prediction)) or score_multi (scorer.score_multi("
                                                         "references, prediction))",
                     "scores": "{rouge type: [precision, recall, fmeasure]}"},
         scorer="rouge_scorer.RougeScorer(['rouge1','rouge2','rougeL','rougeLsum'], use_stemmer=row.use_stemmer) "
                "with the default tokenizer and split_summaries=False",
         rows_with_nonzero_rouge1=nonzero)


# ----------------------------------------------------------------------------------------------------------------

def versions():
    import nltk
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_debian_package": debian_version("python3-torch"),
        "transformers": transformers.__version__,
        "peft": peft.__version__,
        "rouge_score": getattr(rouge_score, "__version__", None) or dist_version("rouge_score"),
        "sentencepiece": sentencepiece.__version__,
        "nltk": nltk.__version__,
        "numpy": numpy.__version__,
        "safetensors": "pure-Python stand-in from /work/shared/reference-python (same file format)",
        "tokenizers": "not installed (stub): tokenizer.json is written by make_fixtures.py",
        "command": COMMAND,
        "environment": {"PYTHONHASHSEED": "0 (the script re-executes itself with it)", "torch_threads": 1,
                        "deterministic_algorithms": True},
    }


def debian_version(package):
    import subprocess
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True,
                              check=True).stdout
    except Exception:
        return None


def dist_version(name):
    from importlib import metadata
    try:
        return metadata.version(name)
    except Exception:
        return None


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    os.chdir(OUT)  # relative paths (checkpoints/NAME) end up in adapter_config.json as PEFT writes them
    with tempfile.TemporaryDirectory() as tmp:
        print("tokenizer ...", flush=True)
        lines = dialogsum_lines()
        tok_folder, vocab = make_tokenizer(tmp, lines)
        print("checkpoints ...", flush=True)
        infos = write_checkpoints(tok_folder)
        inputs = make_inputs(WordLevel(vocab), tok_folder)
    print("forward ...", flush=True)
    write_forward(inputs, infos)
    write_full_grads(inputs)
    print("lora ...", flush=True)
    write_lora(inputs)
    print("weighted ...", flush=True)
    write_weighted(inputs)
    print("prompt tuning ...", flush=True)
    write_prompt(inputs)
    print("generation ...", flush=True)
    gen = write_generation(inputs)
    for k, v in gen.items():
        print(f"  {k}: {v}")
    print("rouge ...", flush=True)
    write_rouge(lines)
    write_json(OUT / "versions.json", versions(), indent=2)
    write_json(OUT / "manifest.json", {
        "schema_version": 1,
        "generated_by": "tools/reference/make_fixtures.py",
        "command": COMMAND,
        "versions": "versions.json",
        "paths": "relative to this folder",
        "safetensors_tensors": "float32 unless a checkpoint's stored_dtype says otherwise",
        "special_token_ids": {"pad": PAD, "eos": EOS, "unk": UNK, "decoder_start": PAD},
        "cases": MANIFEST_CASES,
    }, indent=1)
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {len(MANIFEST_CASES)} cases, {total / 1e6:.2f} MB under {OUT}")


if __name__ == "__main__":
    main()
