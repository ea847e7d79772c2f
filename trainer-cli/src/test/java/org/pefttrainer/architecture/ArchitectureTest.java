package org.pefttrainer.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package tree is the architecture: no cycles between packages, and a model family is named only in its own
 * folder and the registry ({@code core.model.registry.Architectures}), so LoRA, prompt tuning, merging, serving,
 * evaluation and the recipes work through {@code LanguageModel}, {@code ModelFamily} and {@code TaskType}.
 */
class ArchitectureTest {
    static final List<String> FAMILIES = List.of("t5", "llama", "gpt2");

    static JavaClasses classes;

    @BeforeAll
    static void load() {
        // Main code only: test classes, also those of trainer-core's shared test jar, may name what they test.
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar"))
                .importPackages("org.pefttrainer");
    }

    @Test
    void noPackageCycles() {
        slices().matching("org.pefttrainer.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void aFamilyIsNamedOnlyInItsFolderAndTheRegistry() {
        for (String family : FAMILIES) {
            String pkg = "org.pefttrainer.core.model." + family;
            noClasses().that().resideOutsideOfPackages(pkg + "..", "org.pefttrainer.core.model.registry..")
                    .should().dependOnClassesThat().resideInAPackage(pkg + "..")
                    .because("LoRA, merge, serving and recipes ask the family (ModelFamily), never name it")
                    .check(classes);
        }
    }
}
