package io.karst.status;

import java.util.Collection;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Files of a status tree, offered by a capability bundle as an OSGi service.
 *
 * <p>{@link #tree()} names the tree: {@link #PROC} for human-readable status (a table or report per file, like
 * Linux's {@code /proc/diskstats} or DRBD's {@code /proc/drbd}), {@link #SYS} for one value per file (like Linux's
 * {@code /sys/block/<dev>/size}). {@link #files()} lists the files the provider has now, as paths relative to the
 * tree with {@code /} between directories ({@code "drbd"}, {@code "block/r0/role"}); directories exist because files
 * are in them. A path offered by two providers is served by the one with the higher {@code service.ranking}.
 *
 * <p>Both methods are called when a client lists a directory, looks a name up or opens a file: they must return
 * quickly from state the capability already has, without I/O or waiting on locks held during I/O. A file's
 * content is taken once when a client opens it, so a client reads one consistent snapshot.
 */
@ConsumerType
public interface StatusFileProvider {
    /** The tree of human-readable status reports. */
    String PROC = "proc";

    /** The tree of single values. */
    String SYS = "sys";

    /** {@link #PROC} or {@link #SYS}. */
    String tree();

    /**
     * The files offered now: paths relative to the tree, components separated by {@code /}, none of them empty,
     * {@code .} or {@code ..}. Invalid paths are ignored (and logged) by the tree.
     */
    Collection<String> files();

    /**
     * The current content of one of the files (text, in UTF-8 on the wire; a single value ends with a newline, as in
     * Linux's sysfs), or {@code null} when the file has gone since {@link #files()} listed it.
     */
    String read(String path);
}
