"""Makes the BLEU fixtures of trainer-eval from sacreBLEU (the real one, default settings: 13a tokenizer, exp
smoothing, corpus BLEU-4 with brevity penalty, several references per segment).

    PYTHONPATH=/path/to/sacrebleu /usr/bin/python3 tools/reference/make_bleu_cases.py

sacreBLEU is not in ../shared/reference-python: put an unpacked sacrebleu source tree (any 2.x release; it needs
Debian's python3-regex, python3-tabulate, python3-colorama, python3-lxml, python3-portalocker, python3-numpy) on
PYTHONPATH. Writes trainer-eval/src/test/resources/bleu/cases.json:
  version      sacrebleu.__version__
  segments     600 synthetic segments: hypothesis, references (1-3; a null entry = no reference in that stream),
               tokens13a of the hypothesis and of each reference (what sacreBLEU's tokenizer makes of them)
  corpora      corpus_bleu on slices of the segments and on the whole: score, counts, totals, precisions, bp,
               sys_len, ref_len
Segments are made here from a small word list (no dataset text), seeded, with empty and one-word hypotheses,
punctuation, numbers with dots, commas and hyphens, HTML entities, quotes, non-ASCII letters and odd spaces.
"""
import json
import os
import random

import sacrebleu
from sacrebleu.metrics import BLEU
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "trainer-eval", "src", "test", "resources", "bleu")

WORDS = ["the", "a", "person", "talks", "about", "meeting", "tomorrow", "at", "office", "and", "asks", "for",
         "help", "with", "report", "she", "he", "they", "will", "call", "later", "doctor", "appointment", "is",
         "on", "Monday", "café", "naïve", "Zürich", "straße", "東京", "über", "don't", "it's", "e-mail", "U.S.",
         "3.5", "1,000", "10-15", "$20", "50%", "(maybe)", "[note]", "{x}", "\"quoted\"", "&amp;", "&quot;",
         "&lt;tag&gt;", "<skipped>", "co-op", "well-known", "end.", "yes,", "no!", "why?", "a/b", "x@y", "#1",
         "~ok", "`tick`", "^up", "|bar|", "Mr.", "p.m.", "4-", "-5", "...", "--", "A.B.C"]
SPACES = [" ", " ", " ", " ", "  ", "\t", "\u00a0", "\u2009", "\u3000"]


def sentence(rnd, n):
    out = ""
    for i in range(n):
        out += (rnd.choice(SPACES) if i else "") + rnd.choice(WORDS)
    if n and rnd.random() < 0.4:
        out += rnd.choice([".", "!", "?", " .", ",", ""])
    return out


def variant(rnd, base):
    """A reference that shares part of the hypothesis, so that higher-order n-grams match sometimes."""
    words = base.split()
    if not words or rnd.random() < 0.15:
        return sentence(rnd, rnd.randint(1, 14))
    keep = [w for w in words if rnd.random() < 0.8]
    if rnd.random() < 0.5:
        keep.insert(rnd.randint(0, len(keep)), rnd.choice(WORDS))
    return " ".join(keep)


def main():
    rnd = random.Random(20261204)
    segments = []
    tok = Tokenizer13a()
    for i in range(600):
        r = rnd.random()
        if r < 0.05:
            hyp = ""
        elif r < 0.12:
            hyp = rnd.choice(WORDS)
        elif r < 0.15:
            hyp = "   "
        else:
            hyp = sentence(rnd, rnd.randint(2, 30))
        nrefs = rnd.choice([1, 1, 2, 3, 3])
        refs = [variant(rnd, hyp) for _ in range(nrefs)]
        if rnd.random() < 0.03:
            refs[0] = ""
        segments.append({"hypothesis": hyp, "references": refs})
    # three reference streams; a segment with fewer references has None in the missing streams
    streams = [[s["references"][k] if k < len(s["references"]) else None for s in segments] for k in range(3)]
    for s in segments:
        s["tokens13a"] = tok(s["hypothesis"].rstrip())
        s["references_tokens13a"] = [tok(x.rstrip()) for x in s["references"]]
    slices = [(0, 1), (1, 2), (0, 5), (5, 6), (10, 60), (60, 160), (200, 201), (0, 600)]
    slices += [(i, i + 1) for i in range(0, 600, 37)]
    corpora = []
    for a, b in slices:
        hyps = [s["hypothesis"] for s in segments[a:b]]
        refs = [st[a:b] for st in streams]
        # sacreBLEU wants every stream to hold a string or None per segment; a stream of only None is dropped
        refs = [st for st in refs if any(x is not None for x in st)]
        res = BLEU().corpus_score(hyps, refs)
        corpora.append({"from": a, "to": b, "score": res.score, "counts": list(res.counts),
                        "totals": list(res.totals), "precisions": list(res.precisions), "bp": res.bp,
                        "sys_len": res.sys_len, "ref_len": res.ref_len})
    # also the top-level helper, as users call it
    whole = sacrebleu.corpus_bleu([s["hypothesis"] for s in segments], streams)
    assert abs(whole.score - corpora[7]["score"]) < 1e-12
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "cases.json"), "w", encoding="utf-8") as f:
        json.dump({"version": sacrebleu.__version__, "segments": segments, "corpora": corpora}, f,
                  ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote", len(segments), "segments and", len(corpora), "corpora; whole-corpus BLEU", whole.score)


if __name__ == "__main__":
    main()
