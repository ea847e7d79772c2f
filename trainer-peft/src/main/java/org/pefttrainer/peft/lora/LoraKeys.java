package org.pefttrainer.peft.lora;

/**
 * The tensor names of a LoRA adapter file: {@code base_model.model.<module>.lora_A.weight} ([r, in]) and
 * {@code .lora_B.weight} ([out, r]), the keys of PEFT's get_peft_model_state_dict with the adapter name removed.
 * Files written from a model's raw state_dict carry the adapter name ({@code lora_A.default.weight}); they are read
 * too.
 */
public final class LoraKeys {
    public static final String PREFIX = "base_model.model.";

    /** One parsed key: the module it belongs to and whether it is the A (down) or B (up) matrix. */
    public record Key(String module, boolean isA) {}

    private LoraKeys() {}

    public static String a(String module) {
        return PREFIX + module + ".lora_A.weight";
    }

    public static String b(String module) {
        return PREFIX + module + ".lora_B.weight";
    }

    /** The module and matrix of a saved key, or null when the key is not a LoRA matrix key. */
    public static Key parse(String key) {
        if (!key.startsWith(PREFIX)) {
            return null;
        }
        String rest = key.substring(PREFIX.length());
        for (String suffix : new String[] {".lora_A.weight", ".lora_A.default.weight"}) {
            if (rest.endsWith(suffix)) {
                return new Key(rest.substring(0, rest.length() - suffix.length()), true);
            }
        }
        for (String suffix : new String[] {".lora_B.weight", ".lora_B.default.weight"}) {
            if (rest.endsWith(suffix)) {
                return new Key(rest.substring(0, rest.length() - suffix.length()), false);
            }
        }
        return null;
    }
}
