package org.pefttrainer.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.core.model.init.ModelInitializer;
import org.pefttrainer.core.model.registry.Architectures;
import org.pefttrainer.peft.lora.LoraConfig;
import org.pefttrainer.peft.lora.LoraInit;
import org.pefttrainer.peft.lora.LoraModel;
import org.pefttrainer.peft.lora.TargetModules;

/** A tiny instruct-style decoder-only model for the chat and OpenAI API tests. */
public final class ChatFixtures {
    private ChatFixtures() {}

    /** A ChatML template (the SmolLM2 / Qwen family's layout). */
    public static final String CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n'"
            + " + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /** A tiny random Llama (word-level tokenizer of w0..w199) with CHATML in its tokenizer_config.json, a LoRA. */
    public static Path[] write(Path dir) throws IOException {
        Path corpus = dir.resolve("corpus.txt");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            sb.append('w').append(i).append(' ');
        }
        Files.writeString(corpus, sb + "user assistant system");
        Path model = dir.resolve("tiny-llama");
        ModelInitializer.initialize(model, "llama", "tiny", ModelInitializer.TokenizerSource.build(List.of(corpus),
                260), 7, DType.F32, 0, true);
        ObjectNode tc = (ObjectNode) Json.read(model.resolve("tokenizer_config.json"));
        tc.put("chat_template", CHATML);
        Json.write(model.resolve("tokenizer_config.json"), tc);
        Path lora = dir.resolve("lora");
        try (NDManager m = NDManager.newBaseManager()) {
            LanguageModel base = Architectures.load(HfModelFolder.open(model), m);
            try (LoraModel l = LoraModel.create(base, LoraConfig.builder().r(4).loraAlpha(16)
                    .targetModules(TargetModules.allLinear()).initLoraWeights(LoraInit.NONE).build(), 3, m)) {
                l.save(lora);
            }
        }
        return new Path[] {model, lora};
    }

}
