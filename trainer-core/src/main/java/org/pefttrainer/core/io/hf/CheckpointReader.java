package org.pefttrainer.core.io.hf;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Closeable;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;
import org.pefttrainer.core.io.safetensors.TensorInfo;

/** All tensors of a checkpoint, from one safetensors file or several shards listed in an index. */
public final class CheckpointReader implements Closeable {
    private final List<SafetensorsReader> files;
    private final Map<String, SafetensorsReader> owner;
    private final Map<String, TensorInfo> tensors;

    private CheckpointReader(List<SafetensorsReader> files, Map<String, SafetensorsReader> owner) {
        this.files = files;
        this.owner = owner;
        Map<String, TensorInfo> t = new LinkedHashMap<>();
        owner.forEach((name, r) -> t.put(name, r.info(name)));
        this.tensors = Collections.unmodifiableMap(t);
    }

    public static CheckpointReader openSingle(Path file) {
        SafetensorsReader r = SafetensorsReader.open(file);
        Map<String, SafetensorsReader> owner = new LinkedHashMap<>();
        r.tensors().keySet().forEach(n -> owner.put(n, r));
        return new CheckpointReader(List.of(r), owner);
    }

    public static CheckpointReader openSharded(Path indexFile) {
        JsonNode map = Json.read(indexFile).path("weight_map");
        if (!map.isObject() || map.size() == 0) {
            throw new UserException(indexFile + ": expected a non-empty \"weight_map\" object");
        }
        Path dir = indexFile.toAbsolutePath().getParent();
        Map<String, SafetensorsReader> byFile = new LinkedHashMap<>();
        Map<String, SafetensorsReader> owner = new LinkedHashMap<>();
        List<SafetensorsReader> opened = new ArrayList<>();
        try {
            var it = map.fields();
            while (it.hasNext()) {
                var e = it.next();
                String shard = e.getValue().asText();
                SafetensorsReader r = byFile.get(shard);
                if (r == null) {
                    Path p = dir.resolve(shard);
                    if (!Files.isRegularFile(p)) {
                        throw new UserException(indexFile + ": shard '" + shard + "' (for tensor '" + e.getKey()
                                + "') not found");
                    }
                    r = SafetensorsReader.open(p);
                    opened.add(r);
                    byFile.put(shard, r);
                }
                if (!r.contains(e.getKey())) {
                    throw new UserException(r.path() + ": tensor '" + e.getKey() + "' listed in " + indexFile.getFileName()
                            + " is not in this shard");
                }
                owner.put(e.getKey(), r);
            }
            return new CheckpointReader(opened, owner);
        } catch (RuntimeException e) {
            opened.forEach(SafetensorsReader::close);
            throw e;
        }
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new UserException("checkpoint has no tensor '" + name + "'");
        }
        return t;
    }

    public SafetensorsReader fileOf(String name) {
        info(name);
        return owner.get(name);
    }

    public void readAsFloat32(String name, FloatBuffer dst) {
        fileOf(name).readAsFloat32(name, dst);
    }

    public float[] readAsFloat32(String name) {
        return fileOf(name).readAsFloat32(name);
    }

    /** The tensor's stored bytes, copied into {@code dst}. */
    public void copyRawBytes(String name, java.nio.ByteBuffer dst) {
        fileOf(name).copyRawBytes(name, dst);
    }

    /** The tensor's stored bytes, written to {@code target}. */
    public void transferRawBytes(String name, java.nio.channels.WritableByteChannel target) {
        fileOf(name).transferRawBytes(name, target);
    }

    public List<SafetensorsReader> files() {
        return files;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsReader::close);
    }
}
