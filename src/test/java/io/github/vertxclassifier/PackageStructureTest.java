package io.github.vertxclassifier;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The packages of src/main form layers: classifier and metrics at the bottom, config above classifier, http
 * above them, management above http, and the root package ({@link Main}, {@link ClassifierService},
 * {@link Lifecycle}) wiring them all. No two packages depend on each other.
 */
class PackageStructureTest {

    private static final String ROOT = "io.github.vertxclassifier";
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);

    @Test
    void noCyclesBetweenPackages() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void onlyTheRootPackageWiresTheOthers() {
        noClasses()
                .that()
                .resideOutsideOfPackage(ROOT)
                .should()
                .dependOnClassesThat()
                .resideInAPackage(ROOT)
                .check(MAIN);
    }

    @Test
    void theAlgorithmAndTheMetricsStandAlone() {
        noClasses()
                .that()
                .resideInAnyPackage(ROOT + ".classifier..", ROOT + ".metrics..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(ROOT + ".config..", ROOT + ".http..", ROOT + ".management..")
                .check(MAIN);
    }
}
