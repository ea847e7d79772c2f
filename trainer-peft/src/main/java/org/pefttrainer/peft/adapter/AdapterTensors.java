package org.pefttrainer.peft.adapter;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;
import org.pefttrainer.core.io.safetensors.TensorInfo;
import org.pefttrainer.core.io.torch.TorchStateDict;

/**
 * The tensors of an adapter's weights file, whichever format PEFT wrote: adapter_model.safetensors (read lazily,
 * mapped) or adapter_model.bin (torch.save's pickle, read through {@link TorchStateDict}'s allow-list). Values come
 * out as fp32, refused when any is NaN or infinite.
 */
public final class AdapterTensors implements AutoCloseable {
    /** One tensor's stored dtype and shape. */
    public record Info(DType dtype, long[] shape) {
        public String shapeString() {
            return Arrays.toString(shape);
        }
    }

    private final Path path;
    private final SafetensorsReader safetensors;
    private final Map<String, TorchStateDict.Tensor> pickled;
    private final Map<String, Info> infos = new LinkedHashMap<>();

    private AdapterTensors(Path path, SafetensorsReader safetensors, Map<String, TorchStateDict.Tensor> pickled) {
        this.path = path;
        this.safetensors = safetensors;
        this.pickled = pickled;
        if (safetensors != null) {
            for (TensorInfo t : safetensors.tensors().values()) {
                infos.put(t.name(), new Info(t.dtype(), t.shape()));
            }
        } else {
            pickled.forEach((k, t) -> infos.put(k, new Info(t.dtype(), t.shape())));
        }
    }

    public static AdapterTensors safetensors(Path file) {
        return new AdapterTensors(file, SafetensorsReader.open(file), null);
    }

    public static AdapterTensors pickled(Path file) {
        return new AdapterTensors(file, null, TorchStateDict.read(file).tensors());
    }

    public Path path() {
        return path;
    }

    /** Key → dtype and shape, in the file's order. */
    public Map<String, Info> tensors() {
        return infos;
    }

    public boolean contains(String key) {
        return infos.containsKey(key);
    }

    public Info info(String key) {
        Info i = infos.get(key);
        if (i == null) {
            throw new UserException(path + ": no tensor '" + key + "'");
        }
        return i;
    }

    /**
     * A floating tensor's values as fp32, refused when any is NaN or infinite: such an adapter loads and then
     * generates empty text or garbage without a word, so the damaged tensor is named at load instead.
     */
    public float[] readFinite(String key) {
        Info i = info(key);
        if (!i.dtype().isFloating()) {
            throw new UserException(path + ": tensor '" + key + "' has dtype " + i.dtype()
                    + ", expected F32, F16 or BF16");
        }
        float[] v = safetensors != null ? safetensors.readAsFloat32(key) : pickled.get(key).values().clone();
        for (int k = 0; k < v.length; k++) {
            if (!Float.isFinite(v[k])) {
                throw new UserException(path + ": tensor '" + key + "' holds " + v[k] + " at element " + k
                        + " (NaN or infinity): the adapter is damaged (a diverged training run?)");
            }
        }
        return v;
    }

    /** {@link #readFinite} after checking the shape; the error names the file, key, both shapes and {@code why}. */
    public float[] readFinite(String key, long[] expected, String why) {
        Info i = info(key);
        if (!Arrays.equals(i.shape(), expected)) {
            throw new UserException(path + ": tensor '" + key + "' has shape " + i.shapeString() + ", expected "
                    + Arrays.toString(expected) + " (" + why + ")");
        }
        return readFinite(key);
    }

    @Override
    public void close() {
        if (safetensors != null) {
            safetensors.close();
        }
    }
}
