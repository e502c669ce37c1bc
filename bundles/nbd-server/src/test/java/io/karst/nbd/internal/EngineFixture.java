package io.karst.nbd.internal;

import io.karst.bdev.malloc.MallocBdev;
import io.karst.bdev.testkit.BdevHarness;
import io.karst.nbd.NbdExport;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.UUID;

/** A running engine on a free port with a malloc bdev "Ram0" (16 MiB, 512-byte blocks) exported as "ram". */
final class EngineFixture implements AutoCloseable {
    final BdevHarness harness = new BdevHarness();
    final MallocBdev ram = new MallocBdev("Ram0", UUID.randomUUID(), 512, 32768);
    /** Unpooled with metrics, so tests can see that every buffer came back. */
    final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(true, false, false);
    final NbdEngine engine;

    EngineFixture() throws Exception {
        this(NbdEngine.Settings.defaults("127.0.0.1", 0));
    }

    EngineFixture(NbdEngine.Settings settings) throws Exception {
        harness.register(ram);
        engine = new NbdEngine(settings.withAllocator(alloc), harness.registry());
        engine.start();
        engine.addExport("cfg-ram", new NbdExport("ram", "Ram0", false, true, "a RAM disk",
                NbdExport.MultiConn.AUTO));
    }

    int port() {
        return engine.port();
    }

    long directMemory() {
        return alloc.metric().usedDirectMemory() + alloc.metric().usedHeapMemory();
    }

    /** Waits until no connection is left and every buffer is released. */
    void awaitQuiet() throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (engine.connections().isEmpty() && directMemory() == 0) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("still " + engine.connections().size() + " connections and " + directMemory()
                + " bytes of buffers held");
    }

    @Override
    public void close() {
        engine.stop();
        harness.close();
        ram.destroy();
    }
}
