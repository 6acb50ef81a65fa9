package dev.sluice.storage;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Objects as files under one directory. Writes go to a temporary file in the same directory and are moved into
 * place, so a reader sees the old object or the new one, never a part.
 */
public final class LocalObjectStore implements ObjectStore {
    private final Path root;

    public LocalObjectStore(Path root) throws IOException {
        this.root = Files.createDirectories(root).toRealPath();
    }

    public Path root() {
        return root;
    }

    /** The file an object is kept in (for readers that need a path, e.g. DuckDB on one machine). */
    public Path file(String key) {
        Path p = root.resolve(ObjectKeys.check(key)).normalize();
        if (!p.startsWith(root)) throw new IllegalArgumentException("object key leaves the store: " + key);
        return p;
    }

    @Override
    public String url() {
        return root.toUri().toString();
    }

    @Override
    public void put(String key, Path file) throws IOException {
        Path target = file(key);
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), ".put-", ".tmp");
        try {
            Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public void put(String key, byte[] bytes) throws IOException {
        Path target = file(key);
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), ".put-", ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public Optional<ObjectInfo> stat(String key) throws IOException {
        Path p = file(key);
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            if (!a.isRegularFile()) return Optional.empty();
            return Optional.of(
                    new ObjectInfo(key, a.size(), a.lastModifiedTime().toInstant()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public InputStream open(String key, long offset) throws IOException {
        Path p = file(key);
        if (!Files.isRegularFile(p)) throw new FileNotFoundException("no object " + key + " in " + url());
        InputStream in = Files.newInputStream(p);
        in.skipNBytes(Math.min(offset, Files.size(p)));
        return in;
    }

    @Override
    public void download(String key, Path target) throws IOException {
        Path p = file(key);
        if (!Files.isRegularFile(p)) throw new FileNotFoundException("no object " + key + " in " + url());
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, ".get-", ".tmp");
        try {
            Files.copy(p, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        String pre = ObjectKeys.checkPrefix(prefix);
        // Walk only the deepest directory the prefix names; filter the rest by key.
        int slash = pre.lastIndexOf('/');
        Path start = slash < 0 ? root : root.resolve(pre.substring(0, slash));
        if (!Files.isDirectory(start)) return List.of();
        List<ObjectInfo> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(start)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (!Files.isRegularFile(p) || p.getFileName().toString().startsWith(".put-")) continue;
                String key = root.relativize(p).toString().replace(java.io.File.separatorChar, '/');
                if (!key.startsWith(pre)) continue;
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                out.add(new ObjectInfo(key, a.size(), a.lastModifiedTime().toInstant()));
            }
        }
        out.sort(Comparator.comparing(ObjectInfo::key));
        return out;
    }

    @Override
    public void delete(String key) throws IOException {
        Files.deleteIfExists(file(key));
    }
}
