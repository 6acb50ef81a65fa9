package dev.sluice.ml.spark;

import dev.sluice.ml.python.TestVenv;
import java.io.IOException;

/** For tests outside this package: point the spark machinery at the pinned venv's pyspark and a Java 17 or 21. */
public final class TestSpark {
    private TestSpark() {}

    public static void configure() throws IOException, InterruptedException {
        System.setProperty(SparkInstallation.PYTHON_SETTING, TestVenv.python());
        System.setProperty(
                SparkInstallation.JAVA_HOME_SETTING, SparkTaskTest.sparkJava().toString());
    }

    public static void clear() {
        System.clearProperty(SparkInstallation.PYTHON_SETTING);
        System.clearProperty(SparkInstallation.JAVA_HOME_SETTING);
    }
}
