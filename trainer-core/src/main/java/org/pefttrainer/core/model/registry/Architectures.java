package org.pefttrainer.core.model.registry;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.core.model.ModelFamily;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.core.model.gpt2.Gpt2Family;
import org.pefttrainer.core.model.llama.LlamaFamily;
import org.pefttrainer.core.model.t5.T5Family;

/**
 * The one registry of model families, keyed by config.json's {@code model_type} (as transformers' AutoModel and
 * litgpt do). A new family is its folder (config, architecture, model, loader, and its {@link ModelFamily}) and one
 * line in {@link #FAMILIES}; nothing else names it.
 */
public final class Architectures {
    private static final List<ModelFamily> FAMILIES = List.of(new T5Family(), new LlamaFamily(), new Gpt2Family());

    private static final Map<String, ModelFamily> BY_TYPE = new LinkedHashMap<>();

    static {
        for (ModelFamily f : FAMILIES) {
            f.modelTypes().forEach(t -> BY_TYPE.put(t, f));
        }
    }

    private Architectures() {}

    /** The family of {@code config}'s model_type; a one-line error naming the supported ones otherwise. */
    public static ModelFamily of(JsonNode config, Path source) {
        return of(config.path("model_type").asText(""), source.toString());
    }

    /** The family of a model_type; {@code where} (a file, a flag) starts the error for an unknown one. */
    public static ModelFamily of(String modelType, String where) {
        ModelFamily f = BY_TYPE.get(modelType);
        if (f == null) {
            throw new UserException(where + ": model_type '" + modelType + "' is not supported (supported: "
                    + String.join(", ", BY_TYPE.keySet()) + ")");
        }
        return f;
    }

    public static ModelFamily of(HfModelFolder folder) {
        return of(folder.config(), folder.configFile());
    }

    public static LanguageModel load(HfModelFolder folder, NDManager manager) {
        return of(folder).load(folder, manager, ModelFamily.LoadOptions.NONE);
    }

    public static ModelLayout layout(HfModelFolder folder) {
        return of(folder).layout(folder.config(), folder.configFile());
    }

    public static java.util.Set<String> modelTypes() {
        return BY_TYPE.keySet();
    }
}
