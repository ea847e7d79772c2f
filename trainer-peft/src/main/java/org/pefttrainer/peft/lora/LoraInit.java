package org.pefttrainer.peft.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Locale;
import org.pefttrainer.core.UserException;

/**
 * PEFT's {@code init_lora_weights} values that this trainer implements (LoraLayer.update_layer /
 * reset_lora_parameters in PEFT 0.13.2). PiSSA, OLoRA and LoftQ rewrite the base weights and are not supported.
 */
public enum LoraInit {
    /**
     * {@code true}: A as nn.Linear's default, kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)); B zero, so
     * the adapted model starts equal to the base model.
     */
    DEFAULT(BooleanNode.TRUE),
    /** {@code "gaussian"}: A ~ N(0, std = 1/r) (PEFT's nn.init.normal_(std=1/r), variance 1/r²); B zero. */
    GAUSSIAN(TextNode.valueOf("gaussian")),
    /**
     * {@code false}: PEFT skips its reset and leaves both matrices as nn.Linear created them, kaiming-uniform with
     * their own fan-in: A ~ U(±1/sqrt(in)), B ~ U(±1/sqrt(r)). The adapter changes the output from the first step.
     */
    NONE(BooleanNode.FALSE);

    private final JsonNode json;

    LoraInit(JsonNode json) {
        this.json = json;
    }

    /** The value written to adapter_config.json. */
    public JsonNode toJson() {
        return json;
    }

    /** Reads adapter_config.json's value (true, false or "gaussian"); {@code where} prefixes errors. */
    public static LoraInit fromJson(JsonNode v, String where) {
        if (v == null || v.isNull()) {
            return DEFAULT;
        }
        if (v.isBoolean()) {
            return v.booleanValue() ? DEFAULT : NONE;
        }
        if (v.isTextual()) {
            return parse(v.textValue(), where);
        }
        throw new UserException(where + ": init_lora_weights must be true, false or \"gaussian\", got " + v);
    }

    /** Parses a user-facing value: true, false or gaussian (PEFT compares "gaussian" case-insensitively). */
    public static LoraInit parse(String s, String where) {
        switch (s.toLowerCase(Locale.ROOT)) {
            case "true": return DEFAULT;
            case "false": return NONE;
            case "gaussian": return GAUSSIAN;
            default:
                throw new UserException(where + ": init_lora_weights '" + s + "' is not supported (expected true, false "
                        + "or gaussian; PiSSA, OLoRA and LoftQ modify the base weights and are not implemented)");
        }
    }
}
