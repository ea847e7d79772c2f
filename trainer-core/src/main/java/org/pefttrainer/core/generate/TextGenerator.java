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
    GenerationResult generate(ForwardContext ctx, List<long[]> inputs, GenerationConfig config);

    /** The generator of a model's task type. */
    static TextGenerator of(LanguageModel model) {
        if (model instanceof Seq2SeqLM s) {
            Generator g = new Generator(s);
            return g::generate;
        }
        if (model instanceof CausalLM c) {
            return new CausalGenerator(c);
        }
        throw new UserException("no generator for " + model.architecture());
    }
}
