package dev.sluice.engine;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes an edit to a DAG file live within a fraction of a second: file events on the DAG folder (and the folders
 * under it) ask for a sync shortly after, coalescing a burst of events (an editor's save, a git checkout) into one
 * pass. The periodic sync stays as the safety net for file systems that deliver no events (NFS, some volume
 * mounts) and for events lost to an overflow.
 */
final class DagFolderWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DagFolderWatch.class);
    /** How long a burst of events may go on before the one sync it asks for runs. */
    static final long SETTLE_MILLIS = 100;

    private final Path folder;
    private final WatchService watcher;
    private final Thread thread;
    private final AtomicBoolean requested = new AtomicBoolean();
    private final ScheduledExecutorService syncs;
    private final Runnable sync;

    private DagFolderWatch(Path folder, WatchService watcher, ScheduledExecutorService syncs, Runnable sync) {
        this.folder = folder;
        this.watcher = watcher;
        this.syncs = syncs;
        this.sync = sync;
        this.thread = Thread.ofPlatform().daemon().name("sluice-dag-watch").unstarted(this::loop);
    }

    /**
     * Watches {@code folder}; each burst of events runs {@code sync} once on {@code syncs}. Returns null (and the
     * periodic sync alone keeps the folder in line) when the file system offers no watching.
     */
    static DagFolderWatch start(Path folder, ScheduledExecutorService syncs, Runnable sync) {
        try {
            DagFolderWatch w = new DagFolderWatch(folder, folder.getFileSystem().newWatchService(), syncs, sync);
            w.registerTree(folder);
            w.thread.start();
            return w;
        } catch (IOException | UnsupportedOperationException e) {
            log.info("DAG folder {} cannot be watched ({}); edits are picked up by the periodic sync", folder, e);
            return null;
        }
    }

    private void registerTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                dir.register(
                        watcher,
                        StandardWatchEventKinds.ENTRY_CREATE,
                        StandardWatchEventKinds.ENTRY_DELETE,
                        StandardWatchEventKinds.ENTRY_MODIFY);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE; // an unreadable sub-folder: the sync reports it
            }
        });
    }

    private void loop() {
        try {
            while (true) {
                WatchKey key = watcher.take();
                Path dir = (Path) key.watchable();
                for (var event : key.pollEvents()) {
                    // A new sub-folder is watched too (its files are DAG files or a DAG's bundle files).
                    if (event.kind() == StandardWatchEventKinds.ENTRY_CREATE && event.context() instanceof Path p) {
                        Path child = dir.resolve(p);
                        if (Files.isDirectory(child, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                            try {
                                registerTree(child);
                            } catch (IOException e) {
                                log.debug("cannot watch {}: {}", child, e.toString());
                            }
                        }
                    }
                }
                key.reset();
                requestSync();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    private void requestSync() {
        if (!requested.compareAndSet(false, true)) return;
        try {
            syncs.schedule(
                    () -> {
                        requested.set(false);
                        sync.run();
                    },
                    SETTLE_MILLIS,
                    TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            requested.set(false);
        }
    }

    Path folder() {
        return folder;
    }

    @Override
    public void close() {
        try {
            watcher.close();
        } catch (IOException e) {
            log.debug("closing the DAG folder watch: {}", e.toString());
        }
        thread.interrupt();
    }
}
