package org.pefttrainer.core.model;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.hf.CheckpointReader;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.model.gpt2.Gpt2Architecture;
import org.pefttrainer.core.model.gpt2.Gpt2Config;
import org.pefttrainer.core.model.gpt2.Gpt2Loader;
import org.pefttrainer.core.model.llama.LlamaArchitecture;
import org.pefttrainer.core.model.llama.LlamaConfig;
import org.pefttrainer.core.model.llama.LlamaLoader;
import org.pefttrainer.core.model.t5.T5Architecture;
import org.pefttrainer.core.model.t5.T5Config;
import org.pefttrainer.core.model.t5.T5Loader;

/**
 * The one registry of model families, keyed by config.json's {@code model_type} (as transformers' AutoModel and
 * litgpt do): how to load a folder and how to describe its parameters from the config alone. A new family is one
 * file per part (config, architecture, model, loader) and one line here.
 */
public final class Architectures {
    /** One family: its task and how to load it or lay it out. */
    public interface Family {
        /** "seq2seq" or "causal". */
        String task();

        LanguageModel load(HfModelFolder folder, NDManager manager);

        ModelLayout layout(JsonNode config, Path source);

        /** [missing, unexpected] tensor names of a checkpoint against the config (headers only). */
        List<List<String>> check(CheckpointReader ckpt, JsonNode config, Path source);
    }

    private static final Map<String, Family> FAMILIES = new LinkedHashMap<>();

    static {
        Family t5 = family("seq2seq", (f, m) -> T5Loader.load(f, m, null),
                (c, s) -> T5Architecture.layout(T5Config.fromJson(c, s)),
                (k, c, s) -> T5Loader.check(k, T5Config.fromJson(c, s)));
        Family llama = family("causal", LlamaLoader::load, (c, s) -> {
            LlamaConfig lc = LlamaConfig.fromJson(c, s);
            return LlamaArchitecture.layout(lc, c.path("architectures").path(0).asText("LlamaForCausalLM"));
        }, (k, c, s) -> LlamaLoader.check(k, LlamaConfig.fromJson(c, s)));
        Family gpt2 = family("causal", Gpt2Loader::load, (c, s) -> Gpt2Architecture.layout(Gpt2Config.fromJson(c, s)),
                (k, c, s) -> Gpt2Loader.check(k, Gpt2Config.fromJson(c, s)));
        FAMILIES.put("t5", t5);
        FAMILIES.put("llama", llama);
        FAMILIES.put("mistral", llama);
        FAMILIES.put("qwen2", llama);
        FAMILIES.put("gpt2", gpt2);
    }

    private Architectures() {}

    /** The family of {@code config}'s model_type; a one-line error naming the supported ones otherwise. */
    public static Family of(JsonNode config, Path source) {
        String type = config.path("model_type").asText("");
        Family f = FAMILIES.get(type);
        if (f == null) {
            throw new UserException(source + ": model_type '" + type + "' is not supported (supported: "
                    + String.join(", ", FAMILIES.keySet()) + ")");
        }
        return f;
    }

    public static LanguageModel load(HfModelFolder folder, NDManager manager) {
        return of(folder.config(), folder.configFile()).load(folder, manager);
    }

    public static ModelLayout layout(HfModelFolder folder) {
        return of(folder.config(), folder.configFile()).layout(folder.config(), folder.configFile());
    }

    public static java.util.Set<String> modelTypes() {
        return FAMILIES.keySet();
    }

    private interface Loader {
        LanguageModel load(HfModelFolder f, NDManager m);
    }

    private interface Layouts {
        ModelLayout layout(JsonNode c, Path s);
    }

    private interface Checks {
        List<List<String>> check(CheckpointReader ckpt, JsonNode c, Path s);
    }

    private static Family family(String task, Loader loader, Layouts layouts, Checks checks) {
        return new Family() {
            @Override
            public String task() {
                return task;
            }

            @Override
            public LanguageModel load(HfModelFolder folder, NDManager manager) {
                return loader.load(folder, manager);
            }

            @Override
            public ModelLayout layout(JsonNode config, Path source) {
                return layouts.layout(config, source);
            }

            @Override
            public List<List<String>> check(CheckpointReader ckpt, JsonNode config, Path source) {
                return checks.check(ckpt, config, source);
            }
        };
    }
}
