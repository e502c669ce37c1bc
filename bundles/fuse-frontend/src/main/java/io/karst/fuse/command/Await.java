package io.karst.fuse.command;

import io.karst.fuse.FuseFrontend;
import java.util.function.Predicate;

/** Configuration changes apply asynchronously: commands wait (up to 10 s) until the frontend shows the change. */
final class Await {
    private Await() {
    }

    static FuseFrontend.Status state(FuseFrontend fuse, Predicate<FuseFrontend.Status> done) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        FuseFrontend.Status s = fuse.status();
        while (!done.test(s) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
            s = fuse.status();
        }
        return s;
    }
}
