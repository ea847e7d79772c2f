package org.pefttrainer.peft.adapter;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import org.pefttrainer.core.model.Seq2SeqLM;
import org.pefttrainer.peft.lora.LoraAdapterReader;
import org.pefttrainer.peft.prompt.SoftPromptReader;

/** Reads an adapter folder: its {@code peft_type} picks the reader; the folder's name becomes the adapter's name. */
final class AdapterLoader {
    private AdapterLoader() {}

    static Adapter load(Path dir, Seq2SeqLM base, NDManager manager) {
        ObjectNode json = AdapterFolder.readConfig(dir);
        ConfigReader config = new ConfigReader(json, AdapterFolder.configFile(dir));
        String peftType = config.string("peft_type", null);
        if (peftType == null) {
            throw config.error("peft_type", "is missing (expected LORA or PROMPT_TUNING)");
        }
        String name = dir.toAbsolutePath().normalize().getFileName().toString();
        if (peftType.equals(AdapterType.LORA.peftType())) {
            return LoraAdapterReader.read(dir, config, base, manager, name);
        }
        if (peftType.equals(AdapterType.PROMPT_TUNING.peftType())) {
            return SoftPromptReader.read(dir, config, base, manager, name);
        }
        throw config.error("peft_type", "'" + peftType + "' is not supported (expected LORA or PROMPT_TUNING)");
    }
}
