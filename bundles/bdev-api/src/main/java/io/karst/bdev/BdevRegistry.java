package io.karst.bdev;

import java.util.List;
import java.util.Optional;

/** All registered bdevs, and the door to open them. Provided by the bdev core as an OSGi service. */
public interface BdevRegistry {
    /** The registered bdevs, sorted by name. */
    List<Bdev> bdevs();

    /** Looks a bdev up by name or alias. */
    Optional<Bdev> find(String nameOrAlias);

    /**
     * Opens a bdev, taking the requested claim atomically with the open.
     *
     * @throws BdevException NOT_FOUND, CLAIMED (a claim forbids this access), READ_ONLY, REMOVED
     */
    BdevDescriptor open(String nameOrAlias, OpenOptions options);

    /**
     * Registers a listener for bdevs coming and going (SPDK's examine: virtual bdevs wait for their base this way).
     * The listener is first told about every bdev already registered.
     */
    void addListener(Listener listener);

    void removeListener(Listener listener);

    /** Told about bdevs being registered and unregistered. Calls for one bdev come in order. */
    interface Listener {
        void bdevAdded(Bdev bdev);

        default void bdevRemoved(Bdev bdev) {
        }
    }
}
