package org.pefttrainer.peft.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;
import org.pefttrainer.core.io.safetensors.SafetensorsWriter;

/**
 * The folder layout of a PEFT adapter, as {@code PeftModel.save_pretrained(dir)} writes it for the default adapter:
 * adapter_config.json (Python's {@code json.dumps(indent=2, sort_keys=True)}) and adapter_model.safetensors (F32,
 * metadata {"format": "pt"}). PEFT's README.md model card is not written: nothing reads it.
 */
public final class AdapterFolder {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    /** What PEFT writes with safe_serialization=False (and older PEFT always): torch.save's pickle. */
    public static final String PICKLED_WEIGHTS = "adapter_model.bin";

    private AdapterFolder() {}

    /** An fp32 tensor as plain values (row-major). */
    public record FloatTensor(long[] shape, float[] values) {}

    /** Writes config and tensors into {@code dir}, built under a temporary name and renamed into place. */
    public static void write(Path dir, AdapterConfig config, Map<String, NDArray> tensors) {
        SafetensorsWriter weights = new SafetensorsWriter();
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            NDArray a = e.getValue();
            if (a.getDataType() != DataType.FLOAT32) {
                throw new IllegalArgumentException("adapter tensor " + e.getKey() + " is " + a.getDataType());
            }
            weights.addFloats(e.getKey(), DType.F32, a.getShape().getShape(), () -> FloatBuffer.wrap(a.toFloatArray()));
        }
        write(dir, config, weights);
    }

    /** {@link #write} for tensors held as Java arrays. */
    public static void writeFloats(Path dir, AdapterConfig config, Map<String, FloatTensor> tensors) {
        SafetensorsWriter weights = new SafetensorsWriter();
        tensors.forEach((key, t) -> weights.addFloats(key, DType.F32, t.shape(), t.values()));
        write(dir, config, weights);
    }

    private static void write(Path dir, AdapterConfig config, SafetensorsWriter weights) {
        refuseForeignFolder(dir);
        String configText = PythonJson.dumps(config.toJson());
        AtomicFiles.writeDirectory(dir, true, tmp -> {
            Files.writeString(tmp.resolve(CONFIG), configText, StandardCharsets.UTF_8);
            weights.write(tmp.resolve(WEIGHTS));
        });
    }

    /** Replacing a folder deletes it: only ever replace an adapter folder (or an empty one). */
    private static void refuseForeignFolder(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw new UserException(dir + ": exists and is not a folder (expected an adapter folder to write)");
        }
        try (Stream<Path> entries = Files.list(dir)) {
            if (entries.findAny().isPresent() && !Files.isRegularFile(dir.resolve(CONFIG))) {
                throw new UserException(dir + ": exists, is not empty and has no " + CONFIG
                        + "; refusing to replace it with an adapter folder");
            }
        } catch (IOException e) {
            throw new UserException(dir + ": cannot list folder (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The adapter kind named by {@code dir}'s adapter_config.json ({@code peft_type}), read without loading
     * anything else.
     */
    public static AdapterType type(Path dir) {
        ConfigReader config = new ConfigReader(readConfig(dir), configFile(dir));
        String peftType = config.string("peft_type", null);
        if (peftType == null) {
            throw config.error("peft_type", "is missing (expected LORA or PROMPT_TUNING)");
        }
        for (AdapterType t : AdapterType.values()) {
            if (t.peftType().equals(peftType)) {
                return t;
            }
        }
        throw config.error("peft_type", "'" + peftType + "' is not supported (expected LORA or PROMPT_TUNING)");
    }

    public static Path configFile(Path dir) {
        return dir.resolve(CONFIG);
    }

    public static ObjectNode readConfig(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new UserException(dir + ": adapter folder not found (expected a folder with " + CONFIG + " and "
                    + WEIGHTS + ")");
        }
        Path cfg = configFile(dir);
        if (!Files.isRegularFile(cfg)) {
            throw new UserException(dir + ": no " + CONFIG + " (expected a PEFT adapter folder)");
        }
        return Json.readObject(cfg);
    }

    /** The weights file of {@code dir}: adapter_model.safetensors, else adapter_model.bin (as PEFT prefers them). */
    public static AdapterTensors openWeights(Path dir) {
        Path weights = dir.resolve(WEIGHTS);
        if (Files.isRegularFile(weights)) {
            return AdapterTensors.safetensors(weights);
        }
        if (Files.isRegularFile(dir.resolve(PICKLED_WEIGHTS))) {
            return AdapterTensors.pickled(dir.resolve(PICKLED_WEIGHTS));
        }
        throw new UserException(dir + ": no " + WEIGHTS + " (or " + PICKLED_WEIGHTS + ") next to " + CONFIG);
    }
}
