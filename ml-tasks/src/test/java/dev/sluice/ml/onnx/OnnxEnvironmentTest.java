package dev.sluice.ml.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * ONNX Runtime's native set-up recursed in proportion to the process's command line and, on a task thread's 1 MiB
 * stack, took the whole JVM down with a SIGSEGV (seen in scripts/bench-predict, whose class path is 13 KB). This
 * starts a JVM with such a command line and loads the predictor class from a 1 MiB thread, as a task would.
 */
class OnnxEnvironmentTest {

    /** Run in the child JVM: loads OnnxPredictor (which creates the environment) on a thread with a 1 MiB stack. */
    public static final class LoadOnASmallStack {
        public static void main(String[] args) throws Exception {
            Thread t = new Thread(
                    null,
                    () -> {
                        try {
                            Class.forName("dev.sluice.ml.onnx.OnnxPredictor");
                            System.out.println("environment ready");
                        } catch (Throwable e) {
                            e.printStackTrace();
                        }
                    },
                    "task",
                    1L << 20);
            t.start();
            t.join();
        }
    }

    @Test
    void a_long_command_line_and_a_small_task_stack_do_not_crash_the_jvm() throws Exception {
        String padding = IntStream.range(0, 300)
                .mapToObj(i -> "/nonexistent/sluice-test/dir" + i + "/some-library-1.0.0.jar")
                .collect(Collectors.joining(java.io.File.pathSeparator));
        String classPath = System.getProperty("java.class.path") + java.io.File.pathSeparator + padding;
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "-cp", classPath, LoadOnASmallStack.class.getName()))
                .redirectErrorStream(true)
                .start();
        boolean ended = p.waitFor(120, TimeUnit.SECONDS);
        if (!ended) p.destroyForcibly();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(ended)
                .as("the child JVM ended (no deadlock in the class's initialisation)")
                .isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("environment ready");
    }
}
