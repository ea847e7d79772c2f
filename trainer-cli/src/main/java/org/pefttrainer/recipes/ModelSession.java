package org.pefttrainer.recipes;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.config.ModelConfig;
import org.pefttrainer.core.config.TrainerConfig;
import org.pefttrainer.core.data.tokenize.HfTokenizer;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.hf.VocabularyCheck;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.model.registry.Architectures;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.core.model.ModelFamily;
import org.pefttrainer.core.model.init.ModelInitializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loaded base model: frozen fp32 weights on the configured device, its tokenizer, and the root NDManager that
 * adapters and per-step managers hang under. Closing it frees everything.
 */
public final class ModelSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelSession.class);

    private final NDManager root;
    private final HfModelFolder folder;
    private final LanguageModel model;
    private final HfTokenizer tokenizer;

    private ModelSession(NDManager root, HfModelFolder folder, LanguageModel model, HfTokenizer tokenizer) {
        this.root = root;
        this.folder = folder;
        this.model = model;
        this.tokenizer = tokenizer;
    }

    public static ModelSession open(TrainerConfig cfg) {
        return open(cfg.model(), cfg.device(), null);
    }

    /** Opens {@code modelDir} (or model.path when null), creating it first when model.init_if_missing says so. */
    public static ModelSession open(ModelConfig m, TrainerConfig.Device deviceChoice, Path modelDir) {
        Path dir = modelDir != null ? modelDir : m.path();
        if (!Files.exists(dir) && m.initIfMissing() && modelDir == null) {
            LOG.info("model.path {} does not exist: creating a random {} {} model there (model.init_if_missing)", dir,
                    m.init().size(), m.init().arch());
            ModelInitializer.initialize(dir, m.init().arch(), m.init().size(),
                    ModelInitializer.TokenizerSource.build(List.of(m.init().tokenizerCorpus()), 2000), 0, DType.F32,
                    2_000_000_000L, false);
        }
        HfModelFolder folder = HfModelFolder.open(dir);
        List<String> vocabulary = VocabularyCheck.problems(folder);
        if (!vocabulary.isEmpty()) {
            throw new UserException(vocabulary.get(0));
        }
        Device device = device(deviceChoice);
        NDManager root = NDManager.newBaseManager(device);
        try {
            Double dropout = m.dropout().isPresent() ? m.dropout().getAsDouble() : null;
            LanguageModel model = Architectures.of(folder).load(folder, root.newSubManager(),
                    new ModelFamily.LoadOptions(m.configOverrides(), dropout));
            HfTokenizer tokenizer = HfTokenizer.load(folder.requireTokenizerJson(), folder.configFile());
            return new ModelSession(root, folder, model, tokenizer);
        } catch (RuntimeException e) {
            root.close();
            throw e;
        }
    }

    /** auto = the GPU when the engine sees one; gpu without one is an error rather than a silent CPU run. */
    static Device device(TrainerConfig.Device choice) {
        int gpus = Engine.getInstance().getGpuCount();
        switch (choice) {
            case CPU:
                return Device.cpu();
            case GPU:
                if (gpus == 0) {
                    throw new UserException("device = gpu, but the PyTorch engine sees no GPU (this build has the CPU "
                            + "natives; see docs/gpu.md for the CUDA profile), or set device = auto / cpu");
                }
                return Device.gpu();
            default:
                return gpus > 0 ? Device.gpu() : Device.cpu();
        }
    }

    public NDManager root() {
        return root;
    }

    public HfModelFolder folder() {
        return folder;
    }

    public LanguageModel model() {
        return model;
    }

    /** The config.json of the loaded model, overrides applied (what a full fine-tuning result saves). */
    public com.fasterxml.jackson.databind.node.ObjectNode configJson() {
        return model.configJson(folder.config());
    }

    public HfTokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public void close() {
        tokenizer.close();
        root.close();
    }
}
