package org.pefttrainer.recipes;

import org.pefttrainer.core.config.DataConfig;
import org.pefttrainer.core.data.PromptTemplate;
import org.pefttrainer.core.data.batch.BatchCollator;
import org.pefttrainer.core.data.batch.CausalCollator;
import org.pefttrainer.core.data.batch.Collator;
import org.pefttrainer.core.data.tokenize.ExampleEncoder;

/** The example encoding and batch layout of the session's task type (seq2seq or causal). */
final class TaskData {
    private TaskData() {}

    static ExampleEncoder encoder(ModelSession session, String template) {
        PromptTemplate t = PromptTemplate.of(template);
        return causal(session) ? ExampleEncoder.causal(session.tokenizer(), t) : new ExampleEncoder(session.tokenizer(), t);
    }

    static Collator collator(ModelSession session, DataConfig data) {
        if (causal(session)) {
            int pad = session.model().padTokenId() >= 0 ? session.model().padTokenId() : session.model().eosTokenId();
            return new CausalCollator(data.maxSourceLength(), data.maxTargetLength(), session.model().eosTokenId(), pad);
        }
        return new BatchCollator(data.maxSourceLength(), data.maxTargetLength(), session.tokenizer().specialTokens());
    }

    static boolean causal(ModelSession session) {
        return session.model().taskType().causal();
    }
}
