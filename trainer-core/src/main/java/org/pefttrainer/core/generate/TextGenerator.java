package org.pefttrainer.core.generate;

import java.util.List;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.model.CausalLM;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.core.model.Seq2SeqLM;

/**
 * Generation as the evaluator and the commands see it, whatever the task type: token ids in, the generated
 * continuation out (for a decoder-only model without the prompt).
 */
public interface TextGenerator {
    /** Generates for {@code inputs}, showing each new token to {@code sink} as it is picked. */
    GenerationResult generate(ForwardContext ctx, List<long[]> inputs, GenerationConfig config, TokenSink sink);

    default GenerationResult generate(ForwardContext ctx, List<long[]> inputs, GenerationConfig config) {
        return generate(ctx, inputs, config, TokenSink.NONE);
    }

    /** The generator of a model's task type. */
    static TextGenerator of(LanguageModel model) {
        if (model instanceof Seq2SeqLM s) {
            Generator g = new Generator(s);
            return (ctx, inputs, config, sink) -> g.generate(ctx, inputs, config, sink);
        }
        if (model instanceof CausalLM c) {
            return new CausalGenerator(c);
        }
        throw new UserException("no generator for " + model.architecture());
    }
}
