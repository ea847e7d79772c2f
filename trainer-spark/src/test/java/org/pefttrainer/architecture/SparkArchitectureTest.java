package org.pefttrainer.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With the Spark module on the class path: still no package cycles, Spark is used by {@code org.pefttrainer.spark}
 * alone (every other command runs without it), and the Spark module names no model family.
 */
class SparkArchitectureTest {
    static JavaClasses classes;

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar"))
                .importPackages("org.pefttrainer");
    }

    @Test
    void noPackageCycles() {
        slices().matching("org.pefttrainer.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void onlyTheSparkModuleUsesSpark() {
        noClasses().that().resideOutsideOfPackage("org.pefttrainer.spark..").should().dependOnClassesThat()
                .resideInAnyPackage("org.apache.spark..", "scala..").check(classes);
    }

    @Test
    void theSparkModuleNamesNoModelFamily() {
        noClasses().that().resideInAPackage("org.pefttrainer.spark..").should().dependOnClassesThat()
                .resideInAnyPackage("org.pefttrainer.core.model.t5..", "org.pefttrainer.core.model.llama..",
                        "org.pefttrainer.core.model.gpt2..").check(classes);
    }
}
