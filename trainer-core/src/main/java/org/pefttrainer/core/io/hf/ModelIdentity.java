package org.pefttrainer.core.io.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.Json;

/**
 * What a run was trained on, so that {@code --resume} refuses another base model with the same shapes: SHA-256 of
 * config.json, and of each weight file its size and a SHA-256 of 16 blocks of 64 KiB spread over it (reading a
 * 1B-parameter checkpoint whole would cost seconds; any other training or seed changes every block).
 */
public record ModelIdentity(String configSha256, Map<String, String> weightFiles) {
    private static final int BLOCKS = 16;
    private static final int BLOCK = 64 * 1024;

    public static ModelIdentity of(HfModelFolder folder) {
        try {
            String config = HexFormat.of().formatHex(sha256().digest(Files.readAllBytes(folder.configFile())));
            Map<String, String> files = new TreeMap<>();
            try (Stream<Path> s = Files.list(folder.dir())) {
                for (Path p : (Iterable<Path>) s.filter(f -> f.getFileName().toString().endsWith(".safetensors"))
                        .sorted()::iterator) {
                    files.put(p.getFileName().toString(), Files.size(p) + ":" + sampledHash(p));
                }
            }
            return new ModelIdentity(config, files);
        } catch (IOException e) {
            throw new UserException(folder.dir() + ": cannot read the model files (" + e.getMessage() + ")", e);
        }
    }

    public ObjectNode toJson(Path dir) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("path", dir.toAbsolutePath().normalize().toString());
        o.put("config_sha256", configSha256);
        ObjectNode w = o.putObject("weight_files");
        weightFiles.forEach(w::put);
        o.put("weight_hash", "size:sha256 of " + BLOCKS + " blocks of " + BLOCK + " bytes spread over the file");
        return o;
    }

    public static ModelIdentity fromJson(JsonNode o) {
        Map<String, String> files = new TreeMap<>();
        o.path("weight_files").fields().forEachRemaining(e -> files.put(e.getKey(), e.getValue().asText()));
        return new ModelIdentity(o.path("config_sha256").asText(), files);
    }

    /** What differs from {@code other} in words, or null when they are the same model. */
    public String difference(ModelIdentity other) {
        if (!configSha256.equals(other.configSha256)) {
            return "its config.json differs";
        }
        if (!weightFiles.keySet().equals(other.weightFiles.keySet())) {
            return "its weight files differ (" + other.weightFiles.keySet() + " now, " + weightFiles.keySet() + " then)";
        }
        for (Map.Entry<String, String> e : weightFiles.entrySet()) {
            if (!e.getValue().equals(other.weightFiles.get(e.getKey()))) {
                return "the content of " + e.getKey() + " differs";
            }
        }
        return null;
    }

    private static String sampledHash(Path p) throws IOException {
        MessageDigest md = sha256();
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer buf = ByteBuffer.allocate(BLOCK);
            for (int i = 0; i < BLOCKS; i++) {
                long pos = size <= BLOCK ? 0 : (size - BLOCK) * i / (BLOCKS - 1);
                buf.clear();
                ch.read(buf, pos);
                buf.flip();
                md.update(buf);
                if (size <= BLOCK) {
                    break;
                }
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
