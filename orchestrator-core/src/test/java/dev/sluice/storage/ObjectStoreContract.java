package dev.sluice.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileNotFoundException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every store does the same way: run against the local directory and a real S3-compatible server. */
public abstract class ObjectStoreContract {
    @TempDir
    protected Path tmp;

    /** A new, empty store for one test. */
    protected abstract ObjectStore store() throws Exception;

    @Test
    void put_stat_read_and_delete_round_trip() throws Exception {
        ObjectStore s = store();
        assertThat(s.stat("a/b.txt")).isEmpty();
        s.put("a/b.txt", "hello".getBytes(StandardCharsets.UTF_8));
        assertThat(s.stat("a/b.txt")).hasValueSatisfying(i -> {
            assertThat(i.key()).isEqualTo("a/b.txt");
            assertThat(i.size()).isEqualTo(5);
        });
        assertThat(new String(s.readAll("a/b.txt"), StandardCharsets.UTF_8)).isEqualTo("hello");
        s.put("a/b.txt", "replaced".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(s.readAll("a/b.txt"), StandardCharsets.UTF_8)).isEqualTo("replaced");
        s.delete("a/b.txt");
        s.delete("a/b.txt"); // twice is fine
        assertThat(s.stat("a/b.txt")).isEmpty();
        assertThatThrownBy(() -> s.open("a/b.txt", 0)).isInstanceOf(FileNotFoundException.class);
        assertThatThrownBy(() -> s.download("a/b.txt", tmp.resolve("x"))).isInstanceOf(FileNotFoundException.class);
    }

    @Test
    void files_go_in_and_come_out_byte_for_byte_and_reads_start_at_an_offset() throws Exception {
        ObjectStore s = store();
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new java.util.Random(7).nextBytes(data);
        Path in = Files.write(tmp.resolve("in.bin"), data);
        s.put("runs/1/attempt.log", in);
        Path out = tmp.resolve("sub/out.bin");
        s.download("runs/1/attempt.log", out);
        assertThat(Files.readAllBytes(out)).isEqualTo(data);
        try (InputStream from = s.open("runs/1/attempt.log", data.length - 10)) {
            assertThat(from.readAllBytes())
                    .isEqualTo(java.util.Arrays.copyOfRange(data, data.length - 10, data.length));
        }
        try (InputStream past = s.open("runs/1/attempt.log", data.length)) {
            assertThat(past.readAllBytes()).isEmpty();
        }
    }

    @Test
    void list_returns_the_keys_under_a_prefix_in_order_and_delete_all_removes_them() throws Exception {
        ObjectStore s = store();
        for (String k : List.of("logs/2/b", "logs/1/a", "logs/10/c", "logsx/d", "other/e")) s.put(k, new byte[] {1});
        assertThat(s.list("logs/").stream().map(ObjectInfo::key)).containsExactly("logs/1/a", "logs/10/c", "logs/2/b");
        assertThat(s.list("logs/1").stream().map(ObjectInfo::key)).containsExactly("logs/1/a", "logs/10/c");
        assertThat(s.list("nothing/")).isEmpty();
        assertThat(s.deleteAll("logs/")).isEqualTo(3);
        assertThat(s.list("").stream().map(ObjectInfo::key)).containsExactly("logsx/d", "other/e");
    }

    @Test
    void keys_that_could_climb_out_or_carry_control_characters_are_refused() throws Exception {
        ObjectStore s = store();
        for (String bad : List.of("", "/etc/passwd", "a/../b", "../x", "a//b", "a/./b", "a\u0000b", "a\nb", "a\\b")) {
            assertThatThrownBy(() -> s.put(bad, new byte[] {1})).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
