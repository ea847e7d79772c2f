package org.pefttrainer.parity;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * What every fixture-driven parity test class shares: one NDManager for its cases (each case opens a child) and a
 * report of the worst differences, logged when the class ends.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ParityTestBase {
    protected final ParityReport report;
    protected NDManager manager;

    protected ParityTestBase(String reportName) {
        this.report = new ParityReport(reportName);
    }

    @BeforeAll
    void openManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    void logAndClose() {
        report.log();
        manager.close();
    }
}
