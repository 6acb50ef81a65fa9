package dev.sluice.server.ui;

import java.nio.file.Path;
import java.util.Map;

/** The DAG files the browser tests load. Written by the tests because the flaky one names a temp file. */
final class UiDags {
    private UiDags() {}

    /** Three slow-enough tasks (about a second each) so the test can watch them change colour. */
    static final String PARAMS = """
            id: ui_params
            description: Trains a toy model; params drive the form
            schedule: "0 2 * * *"
            timezone: UTC
            tags: [ml, example]
            params:
              rows: { type: integer, default: 3, minimum: 1, maximum: 1000, description: how many rows to read }
              mode: { type: string, default: fast, enum: [fast, thorough], description: how hard to train }
              label: { type: string, default: nightly, description: a free text label }
              dry_run: { type: boolean, default: false, description: skip the upload }
            defaults:
              retries: 0
            tasks:
              - id: prepare
                type: noop
                config: { duration: 1200ms }
              - id: train
                type: noop
                depends_on: [prepare]
                config: { duration: 1200ms }
              - id: evaluate
                type: noop
                depends_on: [prepare]
                config: { duration: 600ms }
              - id: publish
                type: noop
                depends_on: [train, evaluate]
                config: { duration: 300ms }
            """;

    /** Fails until the marker file exists; the failing attempt creates it, so a clear makes it succeed. */
    static String flaky(Path marker) {
        return """
                id: ui_flaky
                description: Fails on the first try, succeeds once cleared
                tags: [test]
                defaults:
                  retries: 0
                tasks:
                  - id: fetch
                    type: noop
                  - id: flaky_step
                    type: shell
                    depends_on: [fetch]
                    config:
                      command: |
                        echo "checking {{ ds }}"
                        if [ -f %s ]; then echo "marker found, all good"; exit 0; fi
                        touch %s
                        echo "ValueError: boom, the input is not ready" >&2
                        exit 3
                  - id: after
                    type: noop
                    depends_on: [flaky_step]
                """.formatted(marker, marker);
    }

    static final String BROKEN = """
            id: ui_broken
            tasks:
              - id: a
                type: no_such_type
            """;

    /** The example users start with (examples/dags), for the screenshots in docs/. */
    static String example() {
        try {
            return java.nio.file.Files.readString(Path.of("..", "examples", "dags", "hello_sluice.yaml"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Map<String, String> all(Path marker) {
        return Map.of(
                "ui_params.yaml",
                PARAMS,
                "ui_flaky.yaml",
                flaky(marker),
                "ui_broken.yaml",
                BROKEN,
                "hello_sluice.yaml",
                example());
    }
}
