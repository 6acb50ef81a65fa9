package dev.sluice.server.extension;

import java.util.ServiceLoader;

/**
 * A module's contribution to the HTTP API, found with {@link ServiceLoader}: the model registry adds its routes
 * this way, so the server knows no ML type. Routes go into the same {@link dev.sluice.server.http.RouteTable} as
 * the server's own, so they are authenticated, documented in OpenAPI and covered by the every-route auth test
 * like every other route.
 */
public interface ApiExtension {
    /** Adds this module's routes and the answers for its exceptions. */
    void register(ApiContext api);

    /** Every extension on the class path, in class-path order. */
    static Iterable<ApiExtension> discover() {
        return ServiceLoader.load(ApiExtension.class);
    }
}
