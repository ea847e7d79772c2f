package org.pefttrainer.peft.adapter;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.peft.lora.LoraAdapterReader;
import org.pefttrainer.peft.prompt.SoftPromptReader;

/** Reads an adapter folder: its {@code peft_type} picks the reader. */
final class AdapterLoader {
    private AdapterLoader() {}

    /** The adapter's name unless the caller gives one: the folder's name. */
    static String folderName(Path dir) {
        return dir.toAbsolutePath().normalize().getFileName().toString();
    }

    static Adapter load(Path dir, LanguageModel base, NDManager manager, String name) {
        AdapterType type = AdapterFolder.type(dir);
        ConfigReader config = new ConfigReader(AdapterFolder.readConfig(dir), AdapterFolder.configFile(dir));
        return switch (type) {
            case LORA -> LoraAdapterReader.read(dir, config, base, manager, name);
            case PROMPT_TUNING -> SoftPromptReader.read(dir, config, base, manager, name);
        };
    }
}
