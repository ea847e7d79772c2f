package org.pefttrainer.eval.bleu;

/**
 * A corpus BLEU score on sacreBLEU's 0-100 scale, with what it is made of.
 *
 * @param score      BLEU, 0-100
 * @param correct    matched n-grams, orders 1..4
 * @param total      hypothesis n-grams, orders 1..4
 * @param precisions n-gram precisions in percent (smoothed where no n-gram matched)
 * @param bp         brevity penalty
 * @param sysLen     hypothesis tokens
 * @param refLen     closest-reference tokens
 */
public record BleuScore(double score, long[] correct, long[] total, double[] precisions, double bp, long sysLen,
        long refLen) {}
