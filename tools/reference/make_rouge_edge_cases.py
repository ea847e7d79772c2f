"""Makes the ROUGE edge-case fixtures of trainer-eval from Google's rouge_score 0.1.2 (the real one).

    PYTHONPATH=/tmp/reference-python/site /usr/bin/python3 tools/reference/make_rouge_edge_cases.py

(/tmp/reference-python comes from ../shared/reference-python/setup.sh.) Writes, under
trainer-eval/src/test/resources/rouge/:
  edge_cases.jsonl       one line per (case, use_stemmer): prediction, reference (str, or list -> score_multi),
                         scores {type: [precision, recall, fmeasure]}
  tokenizer_cases.jsonl  text, tokens (no stemmer), stemmed_tokens
  bootstrap_cases.json   BootstrapAggregator results for non-default settings on some of those scores
Hand-picked cases cover empty texts, punctuation, Unicode, numbers, repeats, line ends and several references;
seeded random cases over a tiny vocabulary stress rougeLsum's choice among equally long LCSs.
"""
import json
import os
import random

import numpy as np
from rouge_score import rouge_scorer, scoring, tokenize
from nltk.stem import porter

TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "trainer-eval", "src", "test", "resources", "rouge")

CASES = [
    ("both empty", "", ""),
    ("empty prediction", "", "The cat sat on the mat."),
    ("empty reference", "The cat sat on the mat.", ""),
    ("whitespace only", "   \n\t ", "the cat"),
    ("punctuation only", "!!! ... ?? -- ;)", "the cat"),
    ("punctuation both", "!!!", "???"),
    ("identical", "The quick brown fox jumps over the lazy dog.", "The quick brown fox jumps over the lazy dog."),
    ("case and punctuation", "HELLO, World!!!", "hello world"),
    ("contractions", "Don't worry, it's Bob's car.", "do not worry it is bob s car"),
    ("accents split words", "Café naïve résumé über", "cafe naive resume uber"),
    ("dotted capital I", "İstanbul İS big", "i stanbul is big"),
    ("kelvin sign", "5\u212a run at 300\u212a", "5k run at 300k"),
    ("sharp s and ligatures", "Straße ﬁne ﬀ", "strasse fine ff"),
    ("greek and cyrillic", "Σίσυφος Москва test", "test"),
    ("cjk and emoji", "東京 is great 😀👍 yes", "tokyo is great yes"),
    ("fullwidth and arabic digits", "１２３ ٤٥٦ 789", "123 456 789"),
    ("superscripts", "x² H₂O", "x2 h2o"),
    ("nbsp and zero width", "new\u00a0york\u200bcity", "new york city"),
    ("numbers", "Pi is 3.14159, 1,000,000 people in the 1990s; call 555-1234.",
     "pi is 3 14159 and 1 000 000 people in the 1990s"),
    ("alphanumeric mix", "gr8 b4 2nite abc123def 007", "great before tonight abc123def 7"),
    ("repeated tokens", "the the the the the", "the cat the cat"),
    ("repeated bigrams", "a b a b a b a b", "a b a b"),
    ("one token each", "cat", "cat"),
    ("one token vs two", "cat", "cat dog"),
    ("reversed order", "d c b a", "a b c d"),
    ("stemming matters", "He was running and jumped over fences quickly",
     "he runs and jumps over the fence quick"),
    ("irregular stems", "dying lying tying skies news innings outings cannings howe proceed exceed succeed",
     "die lie tie sky news inning outing canning howe proceed exceed succeed"),
    ("short words not stemmed", "was has his its bus gas", "wa ha hi it bu ga"),
    ("step2 suffixes", "relational conditional rational valenci hesitanci digitizer conformabli radicalli",
     "relate condition rational valence hesitance digitize conformable radical"),
    ("step3 step4", "triplicate formative formalize electriciti electrical hopeful goodness revival allowance",
     "triplic form formal electric electric hope good reviv allow"),
    ("newline sentences", "Hannah needs Betty's number.\nAmanda doesn't have it.",
     "Amanda doesn't have Betty's number.\nHannah needs it."),
    ("crlf sentences", "Hannah needs Betty's number.\r\nAmanda doesn't have it.\r\n",
     "Amanda doesn't have Betty's number.\r\nHannah needs it."),
    ("lone cr does not split", "a b c\rc b a", "a b c\nc b a"),
    ("blank lines", "\n\n a b \n\n\n c d \n\n", "a b\nc d"),
    ("lines without tokens", "...\n!!!\na b\n\r\n", "a b\n--\n"),
    ("only newlines", "\n\n\n", "a b"),
    ("union lcs double count", "a b\nb c a", "a b c\nc b a"),
    ("union lcs many sentences", "the cat\nthe dog\nthe cat and the dog",
     "the cat and the dog\nthe dog and the cat"),
    ("lsum vs l", "police killed the gunman", "the gunman killed police"),
    ("unicode line separators", "a b\u2028c d\u0085e f", "a b\nc d\ne f"),
    ("tabs and form feeds", "a\tb\x0bc\x0cd", "a b c d"),
    ("long word", "supercalifragilisticexpialidocious antidisestablishmentarianism",
     "supercalifragilisticexpialidociou antidisestablishmentarian"),
    ("multi ref picks per type", "the cat sat on the mat",
     ["the cat sat", "on the mat the cat sat", "a dog sat on a mat"]),
    ("multi ref tie keeps first", "a b c", ["a b d", "a b e", "x y z"]),
    ("multi ref all empty", "a b", ["", "!!"]),
    ("multi ref one empty", "", ["a b", ""]),
    ("multi ref single", "the cat", ["the cat sat"]),
    ("multi ref with lines", "a b\nc d", ["c d\na b", "a b c d", "d c\nb a"]),
]

FUZZ_WORDS = ["run", "running", "runs", "the", "a", "cat", "cats", "dog", "sat", "sit", "on", "mat", "Mat",
              "it's", "x", "42", "flies", "fly", "happy", "happily"]
FUZZ_SEPARATORS = [" ", " ", " ", " ", "\n", "\r\n", ", ", ". ", "\n\n", " - "]


def fuzz_text(rng):
    words = [rng.choice(FUZZ_WORDS[:rng.randint(4, len(FUZZ_WORDS))]) for _ in range(rng.randint(0, 14))]
    text = ""
    for i, w in enumerate(words):
        text += w if i == 0 else rng.choice(FUZZ_SEPARATORS) + w
    return text


def fuzz_cases():
    rng = random.Random(20240511)
    cases = []
    for i in range(150):
        prediction = fuzz_text(rng)
        n_refs = rng.choice([1, 1, 1, 2, 3])
        refs = [fuzz_text(rng) for _ in range(n_refs)]
        cases.append(("fuzz %d" % i, prediction, refs[0] if n_refs == 1 else refs))
    return cases


def score(scorer, prediction, reference):
    if isinstance(reference, list):
        result = scorer.score_multi(reference, prediction)
    else:
        result = scorer.score(reference, prediction)
    return {t: [float(x) for x in result[t]] for t in TYPES}


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = CASES + fuzz_cases()
    scorers = {stem: rouge_scorer.RougeScorer(TYPES, use_stemmer=stem) for stem in (False, True)}
    scored = []
    with open(os.path.join(OUT, "edge_cases.jsonl"), "w", encoding="utf-8") as f:
        for name, prediction, reference in cases:
            for stem in (False, True):
                s = score(scorers[stem], prediction, reference)
                scored.append((stem, s))
                f.write(json.dumps({"name": name, "use_stemmer": stem, "prediction": prediction,
                                    "reference": reference, "scores": s}, ensure_ascii=False) + "\n")

    stemmer = porter.PorterStemmer()
    with open(os.path.join(OUT, "tokenizer_cases.jsonl"), "w", encoding="utf-8") as f:
        texts = []
        for _, prediction, reference in cases:
            texts.append(prediction)
            texts.extend(reference if isinstance(reference, list) else [reference])
        seen = set()
        for text in texts:
            if text in seen:
                continue
            seen.add(text)
            f.write(json.dumps({"text": text, "tokens": tokenize.tokenize(text, None),
                                "stemmed_tokens": tokenize.tokenize(text, stemmer)}, ensure_ascii=False) + "\n")

    # BootstrapAggregator with other settings; np.random.seed right before aggregate(), as for the shared file.
    stemmed = [s for stem, s in scored if stem]
    bootstrap = []
    for count, confidence, n_samples, seed in [(37, 0.9, 200, 7), (64, 0.95, 50, 123456), (1, 0.95, 10, 0),
                                              (len(stemmed), 0.5, 300, 2147483647)]:
        aggregator = scoring.BootstrapAggregator(confidence_interval=confidence, n_samples=n_samples)
        for s in stemmed[:count]:
            aggregator.add_scores({t: scoring.Score(*s[t]) for t in TYPES})
        np.random.seed(seed)
        result = aggregator.aggregate()
        bootstrap.append({
            "count": count, "confidence": confidence, "resamples": n_samples, "seed": seed,
            "mean": {t: [float(np.mean([s[t][m] for s in stemmed[:count]])) for m in range(3)] for t in TYPES},
            "interval": {t: {b: [float(x) for x in getattr(result[t], b)] for b in ("low", "mid", "high")}
                         for t in TYPES},
        })
    with open(os.path.join(OUT, "bootstrap_cases.json"), "w", encoding="utf-8") as f:
        json.dump({"scores_from": "edge_cases.jsonl, use_stemmer=true lines, first count", "cases": bootstrap},
                  f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
