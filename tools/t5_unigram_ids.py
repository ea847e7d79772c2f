#!/usr/bin/env python3
"""Independent T5 token ids for test fixtures: a from-scratch Unigram (Viterbi) segmentation over the vocabulary and
scores in tokenizer.json, with T5's pre-tokenisation (spaces -> U+2581, one prepended, split before each U+2581)
and </s> appended. Valid for plain ASCII text without control characters or runs of spaces, where T5's
precompiled nmt_nfkc normaliser changes nothing. Usage: t5_unigram_ids.py TOKENIZER_JSON "text" ..."""
import json
import sys


def load(path):
    model = json.load(open(path, encoding="utf-8"))["model"]
    assert model["type"] == "Unigram"
    return {piece: (i, score) for i, (piece, score) in enumerate(model["vocab"])}, model["unk_id"]


def viterbi(word, vocab, unk_id):
    n = len(word)
    best = [(-1e18, None, None)] * (n + 1)  # (score, start, id)
    best[0] = (0.0, None, None)
    unk_score = min(s for _, s in vocab.values()) - 10.0
    for end in range(1, n + 1):
        for start in range(max(0, end - 40), end):
            if best[start][0] <= -1e17:
                continue
            piece = word[start:end]
            if piece in vocab:
                pid, score = vocab[piece]
            elif end - start == 1:
                pid, score = unk_id, unk_score
            else:
                continue
            cand = best[start][0] + score
            if cand > best[end][0]:
                best[end] = (cand, start, pid)
    ids, end = [], n
    while end > 0:
        _, start, pid = best[end]
        ids.append(pid)
        end = start
    return ids[::-1]


def encode(text, vocab, unk_id):
    s = "\u2581" + text.replace(" ", "\u2581")
    words, cur = [], ""
    for ch in s:
        if ch == "\u2581" and cur:
            words.append(cur)
            cur = ""
        cur += ch
    if cur:
        words.append(cur)
    ids = []
    for w in words:
        ids.extend(viterbi(w, vocab, unk_id))
    return ids + [vocab["</s>"][0]]


if __name__ == "__main__":
    vocab, unk = load(sys.argv[1])
    for t in sys.argv[2:]:
        print(json.dumps(t), encode(t, vocab, unk))
