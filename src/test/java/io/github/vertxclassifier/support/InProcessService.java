package io.github.vertxclassifier.support;

import io.github.vertxclassifier.ClassifierService;
import io.github.vertxclassifier.config.ServiceConfig;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;

/**
 * The real service started in this JVM, on free ports, with 2 classifier instances unless told otherwise.
 * Configuration goes through the same validation as in production.
 */
public final class InProcessService implements AutoCloseable {

    private final ClassifierService service;

    private InProcessService(ClassifierService service) {
        this.service = service;
    }

    public static InProcessService start() {
        return start(new JsonObject());
    }

    /** Starts with {@code overrides} (keys as in config/application.yaml) over test defaults. */
    public static InProcessService start(JsonObject overrides) {
        int[] ports = FreePorts.distinct(2);
        JsonObject json = new JsonObject()
                .put(ServiceConfig.HTTP_HOST, "127.0.0.1")
                .put(ServiceConfig.HTTP_PORT, ports[0])
                .put(ServiceConfig.MANAGEMENT_HOST, "127.0.0.1")
                .put(ServiceConfig.MANAGEMENT_PORT, ports[1])
                .put(ServiceConfig.INSTANCES, 2)
                .put(ServiceConfig.SHUTDOWN_DRAIN_SECONDS, 0)
                .mergeIn(overrides);
        ServiceConfig config = ServiceConfig.from(json, Runtime.getRuntime().availableProcessors());
        try {
            return new InProcessService(ClassifierService.start(config)
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(30, TimeUnit.SECONDS));
        } catch (Exception e) {
            throw new IllegalStateException("service did not start", e);
        }
    }

    public ClassifierService service() {
        return service;
    }

    public int httpPort() {
        return service.httpPort();
    }

    public int managementPort() {
        return service.managementPort();
    }

    @Override
    public void close() throws Exception {
        service.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
