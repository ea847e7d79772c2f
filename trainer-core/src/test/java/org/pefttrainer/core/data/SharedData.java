package org.pefttrainer.core.data;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shared read-only folder (datasets, the real T5 tokenizer): $PEFT_SHARED, which surefire sets, else
 * ../../shared from the module folder. Missing is a failure, not a skip: CI always has it.
 */
public final class SharedData {
    private SharedData() {}

    public static Path root() {
        String env = System.getenv("PEFT_SHARED");
        Path fallback = Path.of("../../shared");
        if (env != null && Files.isDirectory(Path.of(env))) {
            return Path.of(env);
        }
        if (Files.isDirectory(fallback)) {
            return fallback;
        }
        return fail("shared folder not found: PEFT_SHARED=" + env + " and " + fallback.toAbsolutePath().normalize()
                + " are not folders; tests need ../shared beside the checkout");
    }

    public static Path path(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            fail("missing shared file " + p.toAbsolutePath().normalize());
        }
        return p;
    }
}
