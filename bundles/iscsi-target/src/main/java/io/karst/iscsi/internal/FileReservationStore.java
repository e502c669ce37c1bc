package io.karst.iscsi.internal;

import io.karst.scsi.PersistentReservations;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Persistent reservations with APTPL kept in a file per volume ({@code <dir>/<bdev uuid>.pr}), written to a
 * temporary file, synced and renamed, so a crash leaves the old or the new state, never a torn one.
 */
final class FileReservationStore implements PersistentReservations.Store {
    private static final System.Logger LOG = System.getLogger(FileReservationStore.class.getName());
    private final Path file;

    FileReservationStore(Path dir, java.util.UUID volume) {
        this.file = dir.resolve(volume + ".pr");
    }

    @Override
    public byte[] load() {
        try {
            return Files.exists(file) ? Files.readAllBytes(file) : null;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot read persistent reservations from {0}: {1}", file,
                    e.getMessage());
            return null;
        }
    }

    @Override
    public void save(byte[] state) {
        try {
            if (state.length == 0) {
                Files.deleteIfExists(file);
                return;
            }
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(state));
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot save persistent reservations to {0}: {1}", file,
                    e.getMessage());
        }
    }
}
