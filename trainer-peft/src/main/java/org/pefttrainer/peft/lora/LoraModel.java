package org.pefttrainer.peft.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pefttrainer.core.model.EncoderInputHook;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.LinearHook;
import org.pefttrainer.core.model.Seq2SeqLM;
import org.pefttrainer.core.tensor.NdArrays;
import org.pefttrainer.peft.adapter.Adapter;
import org.pefttrainer.peft.adapter.AdapterType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A LoRA adapter injected into a base model (PEFT's LoraModel): one {@link LoraLayer} per targeted linear module,
 * reached through the model's linear hook by module name. The base weights are untouched and stay frozen; only the
 * A and B matrices are trainable.
 */
public final class LoraModel implements Adapter, LinearHook {
    private static final Logger LOG = LoggerFactory.getLogger(LoraModel.class);

    /** Supplies a module's initial {A [r·in], B [out·r]} values. */
    @FunctionalInterface
    interface MatrixSource {
        float[][] values(String module, int r, int in, int out);
    }

    private final String name;
    private final LoraConfig config;
    private final NDManager manager;
    private final Map<String, LoraLayer> layers = new LinkedHashMap<>();
    private final Map<String, NDArray> parameters = new LinkedHashMap<>();

    private LoraModel(String name, LoraConfig config, NDManager manager) {
        this.name = name;
        this.config = config;
        this.manager = manager;
    }

    /** A new adapter named "default" (PEFT's name), initialised per {@code config.initLoraWeights()} from {@code seed}. */
    public static LoraModel create(Seq2SeqLM base, LoraConfig config, long seed, NDManager manager) {
        return create(DEFAULT_NAME, base, config, seed, manager);
    }

    /**
     * Resolves the targets on {@code base} (null: PEFT's default for the architecture; "all-linear": every linear
     * layer but lm_head) and creates A and B for each targeted module in a child manager of {@code manager}.
     */
    public static LoraModel create(String name, Seq2SeqLM base, LoraConfig config, long seed, NDManager manager) {
        String where = "LoRA config";
        List<String> modules = LoraTargets.select(config.targetModules(), base, where);
        LoraConfig resolved = resolve(config, base, where);
        return build(name, resolved, modules, base, manager,
                (module, r, in, out) -> LoraInitializer.initialise(resolved.initLoraWeights(), module, r, in, out, seed));
    }

    /** The config as PEFT saves it after injection: targets resolved, fan_in_fan_out false for nn.Linear layers. */
    static LoraConfig resolve(LoraConfig config, Seq2SeqLM base, String where) {
        LoraConfig c = config.withTargetModules(
                LoraTargets.resolve(config.targetModules(), base.architecture(), base.linearModules(), where));
        if (c.fanInFanOut()) {
            // PEFT does the same for torch.nn.Linear targets (and writes false into the saved config).
            LOG.warn("fan_in_fan_out is set to True but the target modules are linear layers; setting it to False");
            c = c.withFanInFanOut(false);
        }
        return c;
    }

    static LoraModel build(String name, LoraConfig resolved, List<String> modules, Seq2SeqLM base, NDManager parent,
            MatrixSource source) {
        NDManager m = parent.newSubManager();
        LoraModel model = new LoraModel(name, resolved, m);
        try {
            int r = resolved.r();
            for (String module : modules) {
                Shape w = base.weights().shape(module + ".weight");
                int out = (int) w.get(0);
                int in = (int) w.get(1);
                float[][] ab = source.values(module, r, in, out);
                NDArray a = NdArrays.createFloat32(m, new Shape(r, in), ab[0]);
                NDArray b = NdArrays.createFloat32(m, new Shape(out, r), ab[1]);
                a.setRequiresGradient(true);
                b.setRequiresGradient(true);
                model.layers.put(module, new LoraLayer(module, a, b, resolved.scaling(), resolved.loraDropout()));
                model.parameters.put(LoraKeys.a(module), a);
                model.parameters.put(LoraKeys.b(module), b);
            }
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return model;
    }

    @Override
    public NDArray delta(String module, NDArray x, ForwardContext ctx) {
        LoraLayer layer = layers.get(module);
        return layer == null ? null : layer.delta(x, ctx);
    }

    /** The wrapped modules' layers in model order (unmodifiable). */
    public Map<String, LoraLayer> layers() {
        return Collections.unmodifiableMap(layers);
    }

    public LoraLayer layer(String module) {
        return layers.get(module);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public AdapterType type() {
        return AdapterType.LORA;
    }

    /** The resolved config: what adapter_config.json holds. */
    @Override
    public LoraConfig config() {
        return config;
    }

    @Override
    public Map<String, NDArray> trainableParameters() {
        return Collections.unmodifiableMap(parameters);
    }

    @Override
    public LinearHook linearHook() {
        return this;
    }

    @Override
    public EncoderInputHook encoderInputHook() {
        return null;
    }

    @Override
    public void close() {
        manager.close();
    }
}
