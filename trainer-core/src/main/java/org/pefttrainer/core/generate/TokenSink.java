package org.pefttrainer.core.generate;

/**
 * Sees each new token of each decoding row as greedy search or sampling picks it (rows in the order of the inputs,
 * num_return_sequences consecutive rows per input), before the next step: a server streams it, or finds a stop string
 * in it. Answering false finishes that row, as an EOS would. Beam search picks its sequences only at the end and
 * does not call it.
 */
@FunctionalInterface
public interface TokenSink {
    TokenSink NONE = (row, token) -> true;

    /** @return whether row {@code row} goes on */
    boolean accept(int row, long token);
}
