package org.pefttrainer.recipes;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.hf.HfCheckpointWriter;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.model.ForwardContext;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.core.train.Trainable;

/**
 * peft.method = full: every base weight trains (the baseline LoRA is measured against). Saves a complete Hugging
 * Face model folder (config.json, safetensors, tokenizer files copied from the base folder).
 */
public final class FullModelTrainable implements Trainable {
    private static final List<String> COPIED = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "generation_config.json", "spiece.model");

    private final LanguageModel model;
    private final ObjectNode configJson;
    private final HfModelFolder base;
    private final Map<String, NDArray> params;

    /** @param configJson the config.json the saved folder gets (the one the model was loaded with, overrides applied) */
    public FullModelTrainable(LanguageModel model, ObjectNode configJson, HfModelFolder base) {
        this.model = model;
        this.configJson = configJson;
        this.base = base;
        Map<String, NDArray> p = new LinkedHashMap<>(model.weights().arrays());
        p.values().forEach(a -> a.setRequiresGradient(true));
        this.params = Collections.unmodifiableMap(p);
    }

    @Override
    public Map<String, NDArray> parameters() {
        return params;
    }

    @Override
    public ForwardContext attach(ForwardContext ctx) {
        return ctx; // the weights themselves train: no hooks
    }

    @Override
    public void saveTo(Path dir) {
        Json.write(dir.resolve(HfModelFolder.CONFIG), configJson);
        List<HfCheckpointWriter.Tensor> tensors = new ArrayList<>();
        params.forEach((name, a) -> tensors.add(new HfCheckpointWriter.Tensor(name, a.getShape().getShape(),
                () -> FloatBuffer.wrap(a.toType(DataType.FLOAT32, false).toFloatArray()))));
        HfCheckpointWriter.write(dir, tensors, DType.F32, 2_000_000_000L);
        if (base == null) {
            return; // weights made in memory (benchmarks): no tokenizer files to copy
        }
        try {
            for (String f : COPIED) {
                Path src = base.dir().resolve(f);
                if (Files.isRegularFile(src)) {
                    Files.copy(src, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String describe() {
        return "full fine-tuning: all " + params.size() + " weight tensors";
    }
}
