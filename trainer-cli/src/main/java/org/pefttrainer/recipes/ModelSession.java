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
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.model.init.ModelInitializer;
import org.pefttrainer.core.model.t5.T5Loader;
import org.pefttrainer.core.model.t5.T5Model;
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
    private final T5Model model;
    private final HfTokenizer tokenizer;

    private ModelSession(NDManager root, HfModelFolder folder, T5Model model, HfTokenizer tokenizer) {
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
            ModelInitializer.initialize(dir, m.init().size(), null,
                    ModelInitializer.TokenizerSource.build(List.of(m.init().tokenizerCorpus()), 2000), 0, DType.F32,
                    2_000_000_000L, false);
        }
        HfModelFolder folder = HfModelFolder.open(dir);
        if (!org.pefttrainer.core.model.Architectures.of(folder.config(), folder.configFile()).task().equals("seq2seq")) {
            // The decoder-only families load and run (inspect, init-model, the model classes); the training, eval,
            // generation, serving and merge paths are wired for encoder-decoders so far.
            throw new UserException(folder.configFile() + ": model_type '" + folder.config().path("model_type").asText()
                    + "' is a decoder-only model; train, eval, generate, serve and merge support T5 / FLAN-T5 only so far"
                    + " (inspect and init-model support it)");
        }
        Device device = device(deviceChoice);
        NDManager root = NDManager.newBaseManager(device);
        try {
            Double dropout = m.dropout().isPresent() ? m.dropout().getAsDouble() : null;
            T5Model model = T5Loader.load(folder, root.newSubManager(), m.configOverrides(), dropout);
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

    public T5Model model() {
        return model;
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
