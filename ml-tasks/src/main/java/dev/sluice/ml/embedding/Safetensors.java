package dev.sluice.ml.embedding;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads float32 tensors from a safetensors file: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range (relative to the end of the header), then the raw little-endian data. The
 * format has no code in it (unlike a pickled PyTorch file), which is why it is the one Sluice loads.
 */
final class Safetensors {
    /** A header larger than this is not a model header but a damaged or foreign file. */
    private static final long MAX_HEADER = 100L << 20;

    private final Path file;
    private final Map<String, Entry> entries;
    private final long dataStart;

    private record Entry(String dtype, long[] shape, long begin, long end) {}

    private Safetensors(Path file, Map<String, Entry> entries, long dataStart) {
        this.file = file;
        this.entries = entries;
        this.dataStart = dataStart;
    }

    static Safetensors open(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0);
            long n = len.flip().getLong();
            if (n <= 0 || n > MAX_HEADER || 8 + n > size)
                throw new IOException(file + " is not a safetensors file (header length " + n + ")");
            ByteBuffer header = ByteBuffer.allocate((int) n);
            readFully(ch, header, 8);
            JsonNode json = new ObjectMapper().readTree(new String(header.array(), StandardCharsets.UTF_8));
            Map<String, Entry> entries = new HashMap<>();
            var it = json.fields();
            while (it.hasNext()) {
                var e = it.next();
                if (e.getKey().equals("__metadata__")) continue;
                JsonNode v = e.getValue();
                JsonNode shape = v.get("shape");
                JsonNode off = v.get("data_offsets");
                if (v.get("dtype") == null || shape == null || off == null || off.size() != 2)
                    throw new IOException(file + ": tensor " + e.getKey() + " has no dtype, shape or data_offsets");
                long[] dims = new long[shape.size()];
                for (int i = 0; i < dims.length; i++) dims[i] = shape.get(i).asLong();
                Entry entry = new Entry(
                        v.get("dtype").asText(),
                        dims,
                        off.get(0).asLong(),
                        off.get(1).asLong());
                if (entry.begin < 0 || entry.end < entry.begin || 8 + n + entry.end > size)
                    throw new IOException(file + ": tensor " + e.getKey() + " lies outside the file (truncated?)");
                entries.put(e.getKey(), entry);
            }
            return new Safetensors(file, entries, 8 + n);
        }
    }

    /** A float32 tensor of exactly {@code shape}, flattened row-major. */
    float[] floats(String name, long... shape) throws IOException {
        Entry e = entries.get(name);
        if (e == null) throw new IOException(file + " has no tensor " + name);
        if (!e.dtype.equals("F32"))
            throw new IOException(file + ": tensor " + name + " is " + e.dtype + ", only F32 is supported");
        if (!java.util.Arrays.equals(e.shape, shape))
            throw new IOException(file + ": tensor " + name + " has shape " + java.util.Arrays.toString(e.shape)
                    + ", expected " + java.util.Arrays.toString(shape));
        long count = 1;
        for (long d : shape) count *= d;
        if (e.end - e.begin != count * 4 || count > Integer.MAX_VALUE)
            throw new IOException(
                    file + ": tensor " + name + " holds " + (e.end - e.begin) + " bytes for " + count + " floats");
        float[] out = new float[(int) count];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate((int) (e.end - e.begin)).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, buf, dataStart + e.begin);
            FloatBuffer fb = buf.flip().asFloatBuffer();
            fb.get(out);
        }
        return out;
    }

    /** A 2-D float32 tensor as rows. */
    float[][] matrix(String name, int rows, int cols) throws IOException {
        float[] flat = floats(name, rows, cols);
        float[][] out = new float[rows][];
        for (int r = 0; r < rows; r++) out[r] = java.util.Arrays.copyOfRange(flat, r * cols, (r + 1) * cols);
        return out;
    }

    /**
     * A PyTorch Linear weight ({@code [out][in]}) transposed to {@code [in][out]}: the encoder's matrix product then
     * runs along contiguous output rows, which C2 turns into SIMD code.
     */
    float[][] linearTransposed(String name, int out, int in) throws IOException {
        float[] flat = floats(name, out, in);
        float[][] t = new float[in][out];
        for (int o = 0; o < out; o++) for (int i = 0; i < in; i++) t[i][o] = flat[o * in + i];
        return t;
    }

    List<String> names() {
        return new ArrayList<>(entries.keySet());
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) throw new IOException("unexpected end of file");
            pos += r;
        }
    }
}
