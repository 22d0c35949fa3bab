package io.github.vertxclassifier.support;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link InProcessService} (test defaults) for all the tests of a class:
 * {@code @RegisterExtension static final RunningService service = new RunningService();}
 */
public final class RunningService implements BeforeAllCallback, AfterAllCallback {

    private InProcessService service;

    @Override
    public void beforeAll(ExtensionContext context) {
        service = InProcessService.start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        service.close();
    }

    public int httpPort() {
        return service.httpPort();
    }

    public int managementPort() {
        return service.managementPort();
    }
}
