package org.pefttrainer.peft.lora;

/**
 * The tensor names of a LoRA adapter file, the keys of PEFT's get_peft_model_state_dict with the adapter name
 * removed: {@code base_model.model.<module>.lora_A.weight} ([r, in]) and {@code .lora_B.weight} ([out, r]);
 * DoRA's {@code .lora_magnitude_vector} ([out]); an embedding's {@code .lora_embedding_A} ([r, num_embeddings]) and
 * {@code .lora_embedding_B} ([embedding_dim, r]). Files written from a model's raw state_dict carry the adapter name
 * ({@code lora_A.default.weight}, {@code lora_magnitude_vector.default.weight}); they are read too. Any other key
 * names a whole base parameter (see {@link #parameter}).
 */
public final class LoraKeys {
    public static final String PREFIX = "base_model.model.";

    /** Which LoRA tensor of a module a key holds. */
    public enum Part {
        A, B, MAGNITUDE, EMBEDDING_A, EMBEDDING_B;

        /** A of a linear module, or of an embedding (lora_embedding_A). */
        public static Part a(boolean embedding) {
            return embedding ? EMBEDDING_A : A;
        }

        /** B of a linear module, or of an embedding (lora_embedding_B). */
        public static Part b(boolean embedding) {
            return embedding ? EMBEDDING_B : B;
        }
    }

    /** One parsed key: the module it belongs to and which of its tensors. */
    public record Key(String module, Part part) {
        public boolean isA() {
            return part == Part.A || part == Part.EMBEDDING_A;
        }
    }

    private static final String[][] SUFFIXES = {
        {".lora_A.weight", "A"}, {".lora_A.default.weight", "A"},
        {".lora_B.weight", "B"}, {".lora_B.default.weight", "B"},
        {".lora_magnitude_vector", "MAGNITUDE"}, {".lora_magnitude_vector.weight", "MAGNITUDE"},
        {".lora_magnitude_vector.default", "MAGNITUDE"}, {".lora_magnitude_vector.default.weight", "MAGNITUDE"},
        {".lora_embedding_A", "EMBEDDING_A"}, {".lora_embedding_A.default", "EMBEDDING_A"},
        {".lora_embedding_B", "EMBEDDING_B"}, {".lora_embedding_B.default", "EMBEDDING_B"},
    };

    private LoraKeys() {}

    public static String a(String module) {
        return PREFIX + module + ".lora_A.weight";
    }

    public static String b(String module) {
        return PREFIX + module + ".lora_B.weight";
    }

    public static String magnitude(String module) {
        return PREFIX + module + ".lora_magnitude_vector";
    }

    public static String embeddingA(String module) {
        return PREFIX + module + ".lora_embedding_A";
    }

    public static String embeddingB(String module) {
        return PREFIX + module + ".lora_embedding_B";
    }

    /** The saved key of {@code module}'s tensor {@code part}. */
    public static String key(String module, Part part) {
        return switch (part) {
            case A -> a(module);
            case B -> b(module);
            case MAGNITUDE -> magnitude(module);
            case EMBEDDING_A -> embeddingA(module);
            case EMBEDDING_B -> embeddingB(module);
        };
    }

    /** The module and tensor of a saved key, or null when the key is not a LoRA tensor key. */
    public static Key parse(String key) {
        if (!key.startsWith(PREFIX)) {
            return null;
        }
        String rest = key.substring(PREFIX.length());
        for (String[] s : SUFFIXES) {
            if (rest.endsWith(s[0])) {
                return new Key(rest.substring(0, rest.length() - s[0].length()), Part.valueOf(s[1]));
            }
        }
        return null;
    }

    /**
     * The base parameter a non-LoRA key replaces, or null: PEFT saves trained biases and modules_to_save copies under
     * the parameter's own name, and the base layer of a wrapped module with ".base_layer" inserted
     * ({@code q_proj.base_layer.bias}, {@code embed_tokens.base_layer.weight}); older PEFT wrote {@code q_proj.bias}.
     */
    public static String parameter(String key) {
        if (!key.startsWith(PREFIX) || parse(key) != null) {
            return null;
        }
        return key.substring(PREFIX.length()).replace(".base_layer.", ".");
    }

    /** The key PEFT saves base parameter {@code name} under: ".base_layer" inserted when its module is wrapped. */
    public static String parameterKey(String name, boolean moduleWrapped) {
        int dot = name.lastIndexOf('.');
        return PREFIX + (moduleWrapped ? name.substring(0, dot) + ".base_layer" + name.substring(dot) : name);
    }
}
