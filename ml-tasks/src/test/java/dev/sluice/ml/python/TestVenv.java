package dev.sluice.ml.python;

import java.io.IOException;

/** The pinned test venv's interpreter, for tests outside this package. */
public final class TestVenv {
    private TestVenv() {}

    public static String python() throws IOException, InterruptedException {
        return PythonTaskTest.venv().resolve("bin").resolve("python").toString();
    }
}
