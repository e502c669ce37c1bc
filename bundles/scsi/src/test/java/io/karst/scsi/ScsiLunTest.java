package io.karst.scsi;

import static org.assertj.core.api.Assertions.assertThat;

import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.IoChannel;
import io.karst.bdev.OpenOptions;
import io.karst.bdev.malloc.MallocBdev;
import io.karst.bdev.testkit.BdevHarness;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ScsiLunTest {
    static final UUID ID = UUID.fromString("708939a0-91df-4d5a-9ad7-26ab9d323198");
    static final int BS = 512;
    static final long BLOCKS = 2048;

    BdevHarness harness;
    BdevDescriptor desc;
    IoChannel ch;
    ScsiLun lun;
    final ScsiNexus a = new ScsiNexus("iqn.2020-01.test:a,i,0x1", "iqn.t,t,0x1", 1);
    final ScsiNexus b = new ScsiNexus("iqn.2020-01.test:b,i,0x2", "iqn.t,t,0x1", 1);

    @BeforeEach
    void setUp() {
        harness = new BdevHarness();
        harness.register(new MallocBdev("M0", ID, BS, BLOCKS));
        desc = harness.registry().open("M0", OpenOptions.frontend("test"));
        ch = desc.openChannel();
        lun = new ScsiLun(desc, LunOptions.defaults());
        clearUa(a);
        clearUa(b);
    }

    @AfterEach
    void tearDown() {
        ch.close();
        desc.close();
        harness.close();
    }

    void clearUa(ScsiNexus n) {
        TestTask t = run(n, null, 0x00);
        assertThat(t.sense).isEqualTo(Sense.POWER_ON_RESET);
        assertThat(run(n, null, 0x00).await()).isEqualTo(ScsiStatus.GOOD);
    }

    TestTask run(ScsiNexus n, byte[] out, int... cdb) {
        TestTask t = new TestTask(n, ch, cdb);
        if (out != null) {
            t.out(out);
        }
        lun.execute(t);
        t.await();
        assertThat(t.completions).isEqualTo(1);
        return t;
    }

    static byte[] pattern(int len, int seed) {
        byte[] d = new byte[len];
        for (int i = 0; i < len; i++) {
            d[i] = (byte) (i * 31 + seed);
        }
        return d;
    }

    @Test
    void writeThenReadReturnsTheData() {
        byte[] data = pattern(4 * BS, 7);
        TestTask w = run(a, data, 0x2A, 0, 0, 0, 0, 10, 0, 0, 4, 0);
        assertThat(w.await()).isEqualTo(ScsiStatus.GOOD);
        TestTask r = run(a, null, 0x88, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 4, 0, 0);
        assertThat(r.await()).isEqualTo(ScsiStatus.GOOD);
        assertThat(r.data()).isEqualTo(data);
        TestTask r6 = run(a, null, 0x08, 0, 0, 11, 2, 0);
        assertThat(r6.data()).isEqualTo(Arrays.copyOfRange(data, BS, 3 * BS));
    }

    @Test
    void outOfRangeGivesLbaOutOfRange() {
        TestTask r = run(a, null, 0x28, 0, 0, 0, 0x07, 0xFF, 0, 0, 2, 0); // LBA 2047, 2 blocks
        assertThat(r.await()).isEqualTo(ScsiStatus.CHECK_CONDITION);
        assertThat(r.sense).isEqualTo(Sense.LBA_OUT_OF_RANGE);
        assertThat(r.senseBytes[0] & 0x7F).isEqualTo(0x70);
        assertThat(r.senseBytes[12]).isEqualTo((byte) 0x21);
        TestTask huge = run(a, null, 0x88, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1, 0, 0);
        assertThat(huge.sense).isEqualTo(Sense.LBA_OUT_OF_RANGE);
    }

    @Test
    void unknownOpcodeAndRdprotect() {
        assertThat(run(a, null, 0xC5).sense).isEqualTo(Sense.INVALID_OPCODE);
        assertThat(run(a, null, 0x28, 0x20, 0, 0, 0, 0, 0, 0, 1, 0).sense).isEqualTo(Sense.INVALID_FIELD_IN_CDB);
    }

    @Test
    void shortDataOutIsInvalidFieldInInformationUnit() {
        TestTask w = run(a, new byte[200], 0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0);
        assertThat(w.sense.asc()).isEqualTo(0x0E);
        assertThat(w.sense.ascq()).isEqualTo(0x03);
    }

    @Test
    void dataOutShorterThanTheCdbWritesOnlyTheBlocksThatCame() {
        run(a, pattern(2 * BS, 1), 0x2A, 0, 0, 0, 0, 40, 0, 0, 2, 0);
        byte[] one = pattern(BS, 2);
        assertThat(run(a, one, 0x2A, 0, 0, 0, 0, 40, 0, 0, 2, 0).await()).isEqualTo(ScsiStatus.GOOD);
        byte[] back = run(a, null, 0x28, 0, 0, 0, 0, 40, 0, 0, 2, 0).data();
        assertThat(Arrays.copyOfRange(back, 0, BS)).isEqualTo(one);
        assertThat(Arrays.copyOfRange(back, BS, 2 * BS)).isEqualTo(Arrays.copyOfRange(pattern(2 * BS, 1), BS, 2 * BS));
        assertThat(run(a, new byte[0], 0x2A, 0, 0, 0, 0, 40, 0, 0, 1, 0).await()).isEqualTo(ScsiStatus.GOOD);
        assertThat(Opcodes.dataOutLength(new byte[] {0x2A, 0, 0, 0, 0, 40, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}, BS))
                .isEqualTo(2 * BS);
    }

    @Test
    void unitAttentionsPerNexus() {
        ScsiNexus c = new ScsiNexus("iqn.c,i,0x3", "iqn.t,t,0x1", 1);
        // INQUIRY does not report the unit attention; TUR does, once
        assertThat(run(c, null, 0x12, 0, 0, 0, 36, 0).await()).isEqualTo(ScsiStatus.GOOD);
        assertThat(run(c, null, 0x00).sense).isEqualTo(Sense.POWER_ON_RESET);
        assertThat(run(c, null, 0x00).await()).isEqualTo(ScsiStatus.GOOD);
        lun.capacityChanged();
        assertThat(run(a, null, 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0).sense).isEqualTo(Sense.CAPACITY_DATA_CHANGED);
        // REQUEST SENSE returns and clears it
        TestTask rs = run(b, null, 0x03, 0, 0, 0, 18, 0);
        assertThat(rs.data()[2]).isEqualTo((byte) Sense.UNIT_ATTENTION);
        assertThat(rs.data()[12]).isEqualTo((byte) 0x2A);
        assertThat(run(b, null, 0x00).await()).isEqualTo(ScsiStatus.GOOD);
        lun.reset(a);
        assertThat(run(a, null, 0x00).sense).isEqualTo(Sense.BUS_DEVICE_RESET);
        assertThat(run(a, null, 0x00).await()).isEqualTo(ScsiStatus.GOOD);
        assertThat(run(b, null, 0x00).sense).isEqualTo(Sense.BUS_DEVICE_RESET);
    }

    @Test
    void inquiryStandardAndVpdPages() {
        byte[] std = run(a, null, 0x12, 0, 0, 0, 96, 0).data();
        assertThat(std[0]).isEqualTo((byte) 0);
        assertThat(std[2]).isEqualTo((byte) 6);
        assertThat(std[5] & 0x30).isEqualTo(0x10);
        assertThat(new String(std, 8, 8)).isEqualTo("KARST   ");
        byte[] pages = run(a, null, 0x12, 1, 0, 0, 255, 0).data();
        assertThat(Arrays.copyOfRange(pages, 4, pages.length)).containsExactly(0, 0x80, 0x83, 0xB0, 0xB1, 0xB2);
        byte[] serial = run(a, null, 0x12, 1, 0x80, 0, 255, 0).data();
        assertThat(new String(serial, 4, serial[3])).isEqualTo("708939a091df4d5a9ad726ab9d323198");
        byte[] b2 = run(a, null, 0x12, 1, 0xB2, 0, 255, 0).data();
        assertThat(b2[5] & 0xE0).isEqualTo(0xE0);
        assertThat(b2[6]).isEqualTo((byte) 2);
        assertThat(run(a, null, 0x12, 1, 0xC7, 0, 255, 0).sense).isEqualTo(Sense.INVALID_FIELD_IN_CDB);
        assertThat(run(a, null, 0x12, 0, 0x80, 0, 255, 0).sense).isEqualTo(Sense.INVALID_FIELD_IN_CDB);
        // allocation length truncates
        assertThat(run(a, null, 0x12, 0, 0, 0, 5, 0).dataIn).isEqualTo(5);
    }

    @Test
    void identityDependsOnlyOnTheUuid() {
        byte[] vpd83 = run(a, null, 0x12, 1, 0x83, 0, 255, 0).data();
        ScsiLun other = new ScsiLun(desc, LunOptions.defaults().withProductId("other"));
        TestTask t = new TestTask(a, ch, 0x12, 1, 0x83, 0, 255, 0);
        other.execute(t);
        t.await();
        assertThat(t.data()).isEqualTo(vpd83);
        assertThat(LunIdentity.of(ID).naa()).isEqualTo(LunIdentity.of(UUID.fromString(ID.toString())).naa());
        assertThat(LunIdentity.of(ID).naa() >>> 60).isEqualTo(3);
        assertThat(LunIdentity.of(ID).naa()).isNotEqualTo(LunIdentity.of(UUID.randomUUID()).naa());
        // first designator: NAA, binary, LU association
        assertThat(vpd83[4] & 0x0F).isEqualTo(1);
        assertThat(vpd83[5] & 0x0F).isEqualTo(3);
        assertThat(vpd83[7]).isEqualTo((byte) 8);
    }

    @Test
    void readCapacity() {
        byte[] rc10 = run(a, null, 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0).data();
        assertThat(ByteBuffer.wrap(rc10).getInt(0)).isEqualTo(BLOCKS - 1);
        assertThat(ByteBuffer.wrap(rc10).getInt(4)).isEqualTo(BS);
        byte[] rc16 = run(a, null, 0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0).data();
        assertThat(ByteBuffer.wrap(rc16).getLong(0)).isEqualTo(BLOCKS - 1);
        assertThat(rc16[14] & 0xC0).isEqualTo(0xC0); // LBPME, LBPRZ
        ScsiLun thick = new ScsiLun(desc, LunOptions.defaults().withThinProvisioning(false));
        TestTask t = new TestTask(a, ch, 0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0);
        thick.execute(t);
        assertThat(t.await()).isEqualTo(ScsiStatus.CHECK_CONDITION); // power-on UA of a fresh unit
        t = new TestTask(a, ch, 0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0);
        thick.execute(t);
        t.await();
        assertThat(t.data()[14]).isEqualTo((byte) 0);
        TestTask unmap = new TestTask(a, ch, 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0);
        thick.execute(unmap.out(new byte[24]));
        assertThat(unmap.sense).isEqualTo(Sense.INVALID_OPCODE);
    }

    @Test
    void unmapAndWriteSame() {
        run(a, pattern(8 * BS, 3), 0x2A, 0, 0, 0, 0, 0, 0, 0, 8, 0);
        byte[] param = new byte[24];
        ByteBuffer p = ByteBuffer.wrap(param);
        p.putShort(0, (short) 22).putShort(2, (short) 16).putLong(8, 2).putInt(16, 3);
        assertThat(run(a, param, 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0).await()).isEqualTo(ScsiStatus.GOOD);
        byte[] r = run(a, null, 0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0).data();
        assertThat(Arrays.copyOfRange(r, 2 * BS, 5 * BS)).containsOnly(0);
        assertThat(Arrays.copyOfRange(r, 0, 2 * BS)).isEqualTo(Arrays.copyOfRange(pattern(8 * BS, 3), 0, 2 * BS));
        // out of range descriptor: nothing unmapped
        p.putLong(8, BLOCKS - 1).putInt(16, 2);
        assertThat(run(a, param, 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0).sense).isEqualTo(Sense.LBA_OUT_OF_RANGE);
        // WRITE SAME 16 of a pattern over 5000 blocks... bounded by the device: 1000 blocks
        byte[] block = pattern(BS, 9);
        TestTask ws = run(a, block, 0x93, 0, 0, 0, 0, 0, 0, 0, 0, 100, 0, 0, 0x03, 0xE8, 0, 0);
        assertThat(ws.await()).isEqualTo(ScsiStatus.GOOD);
        byte[] back = run(a, null, 0x88, 0, 0, 0, 0, 0, 0, 0, 0, 100, 0, 0, 0x03, 0xE8, 0, 0).data();
        for (int i = 0; i < 1000; i++) {
            assertThat(Arrays.copyOfRange(back, i * BS, (i + 1) * BS)).isEqualTo(block);
        }
        // WRITE SAME with UNMAP unmaps (LBPRZ: reads back zero)
        assertThat(run(a, new byte[BS], 0x41, 0x08, 0, 0, 0, 100, 0, 0, 10, 0).await()).isEqualTo(ScsiStatus.GOOD);
        assertThat(run(a, null, 0x28, 0, 0, 0, 0, 100, 0, 0, 10, 0).data()).containsOnly(0);
        // 0 blocks: to the end of the medium
        assertThat(run(a, block, 0x41, 0, 0, 0, 0x07, 0xF0, 0, 0, 0, 0).await()).isEqualTo(ScsiStatus.GOOD);
        byte[] tail = run(a, null, 0x28, 0, 0, 0, 0x07, 0xF0, 0, 0, 16, 0).data();
        for (int i = 0; i < 16; i++) {
            assertThat(Arrays.copyOfRange(tail, i * BS, (i + 1) * BS)).isEqualTo(block);
        }
    }

    @Test
    void orWriteOrsTheDataIntoTheBlocks() {
        byte[] a5 = new byte[2 * BS];
        Arrays.fill(a5, (byte) 0xA5);
        run(a, a5, 0x2A, 0, 0, 0, 0, 70, 0, 0, 2, 0);
        byte[] x5a = new byte[2 * BS];
        Arrays.fill(x5a, (byte) 0x5A);
        assertThat(run(a, x5a, 0x8B, 0, 0, 0, 0, 0, 0, 0, 0, 70, 0, 0, 0, 2, 0, 0).await())
                .isEqualTo(ScsiStatus.GOOD);
        assertThat(run(a, null, 0x28, 0, 0, 0, 0, 70, 0, 0, 2, 0).data()).containsOnly((byte) 0xFF);
        assertThat(run(a, x5a, 0x8B, 0x20, 0, 0, 0, 0, 0, 0, 0, 70, 0, 0, 0, 2, 0, 0).sense)
                .isEqualTo(Sense.INVALID_FIELD_IN_CDB); // ORPROTECT
        assertThat(lun.lockCount()).isZero();
    }

    @Test
    void compareAndWrite() {
        byte[] old = pattern(2 * BS, 1);
        byte[] neu = pattern(2 * BS, 2);
        run(a, old, 0x2A, 0, 0, 0, 0, 20, 0, 0, 2, 0);
        byte[] both = new byte[4 * BS];
        System.arraycopy(old, 0, both, 0, 2 * BS);
        System.arraycopy(neu, 0, both, 2 * BS, 2 * BS);
        assertThat(run(a, both, 0x89, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 2, 0, 0).await())
                .isEqualTo(ScsiStatus.GOOD);
        assertThat(run(a, null, 0x28, 0, 0, 0, 0, 20, 0, 0, 2, 0).data()).isEqualTo(neu);
        // now the compare data is stale: miscompare at byte 0... make it differ at byte 700
        byte[] stale = both.clone();
        System.arraycopy(neu, 0, stale, 0, 2 * BS);
        stale[700] ^= 1;
        TestTask mis = run(a, stale, 0x89, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 2, 0, 0);
        assertThat(mis.sense.key()).isEqualTo(Sense.MISCOMPARE);
        assertThat(mis.sense.information()).isEqualTo(700);
        assertThat(run(a, null, 0x28, 0, 0, 0, 0, 20, 0, 0, 2, 0).data()).isEqualTo(neu);
        assertThat(lun.lockCount()).isZero();
    }

    /** Concurrent COMPARE AND WRITE increments of one counter block: no increment is lost. */
    @Test
    void compareAndWriteIsAtomicUnderConcurrency() throws Exception {
        int threads = 4;
        int perThread = 300;
        run(a, new byte[BS], 0x2A, 0, 0, 0, 0, 50, 0, 0, 1, 0);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicInteger successes = new AtomicInteger();
        AtomicReference<Throwable> error = new AtomicReference<>();
        List<Future<?>> fs = new java.util.ArrayList<>();
        for (int th = 0; th < threads; th++) {
            final int id = th;
            fs.add(pool.submit(() -> {
                try (IoChannel own = desc.openChannel()) {
                    int done = 0;
                    while (done < perThread) {
                        TestTask r = new TestTask(a, own, 0x28, 0, 0, 0, 0, 50, 0, 0, 1, 0);
                        lun.execute(r);
                        r.await();
                        byte[] cur = r.data();
                        long v = ByteBuffer.wrap(cur).getLong(0);
                        byte[] next = cur.clone();
                        ByteBuffer.wrap(next).putLong(0, v + 1).putInt(8, id);
                        byte[] both = new byte[2 * BS];
                        System.arraycopy(cur, 0, both, 0, BS);
                        System.arraycopy(next, 0, both, BS, BS);
                        TestTask caw = new TestTask(a, own, 0x89, 0, 0, 0, 0, 0, 0, 0, 0, 50, 0, 0, 0, 1, 0, 0);
                        caw.out(both);
                        lun.execute(caw);
                        if (caw.await() == ScsiStatus.GOOD) {
                            done++;
                            successes.incrementAndGet();
                        } else if (caw.sense.key() != Sense.MISCOMPARE) {
                            throw new AssertionError("unexpected " + caw.sense);
                        }
                        // plain writes to other blocks run alongside
                        TestTask w = new TestTask(a, own, 0x2A, 0, 0, 0, 0, 60 + id, 0, 0, 1, 0);
                        lun.execute(w.out(pattern(BS, id)));
                        if (w.await() != ScsiStatus.GOOD) {
                            throw new AssertionError("write failed");
                        }
                    }
                } catch (Throwable e) {
                    error.set(e);
                }
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
        assertThat(error.get()).isNull();
        byte[] fin = run(a, null, 0x28, 0, 0, 0, 0, 50, 0, 0, 1, 0).data();
        assertThat(ByteBuffer.wrap(fin).getLong(0)).isEqualTo(threads * perThread);
        assertThat(successes.get()).isEqualTo(threads * perThread);
        assertThat(lun.lockCount()).isZero();
    }

    @Test
    void verifyWithByteCheck() {
        byte[] data = pattern(2 * BS, 5);
        run(a, data, 0x2A, 0, 0, 0, 0, 30, 0, 0, 2, 0);
        assertThat(run(a, data, 0x2F, 0x02, 0, 0, 0, 30, 0, 0, 2, 0).await()).isEqualTo(ScsiStatus.GOOD);
        byte[] bad = data.clone();
        bad[BS + 3] ^= 0x40;
        TestTask v = run(a, bad, 0x2F, 0x02, 0, 0, 0, 30, 0, 0, 2, 0);
        assertThat(v.sense.key()).isEqualTo(Sense.MISCOMPARE);
        assertThat(v.sense.information()).isEqualTo(BS + 3);
        assertThat(run(a, null, 0x2F, 0, 0, 0, 0, 30, 0, 0, 2, 0).await()).isEqualTo(ScsiStatus.GOOD);
    }

    @Test
    void reservationConflicts() {
        assertThat(run(a, null, 0x16, 0, 0, 0, 0, 0).await()).isEqualTo(ScsiStatus.GOOD);
        assertThat(run(a, null, 0x16, 0, 0, 0, 0, 0).await()).isEqualTo(ScsiStatus.GOOD);
        assertThat(run(b, null, 0x16, 0, 0, 0, 0, 0).await()).isEqualTo(ScsiStatus.RESERVATION_CONFLICT);
        assertThat(run(b, null, 0x17, 0, 0, 0, 0, 0).await()).isEqualTo(ScsiStatus.GOOD); // no-op
        assertThat(run(b, null, 0x1A, 0, 0x3F, 0, 255, 0).await()).isEqualTo(ScsiStatus.RESERVATION_CONFLICT);
        assertThat(run(b, null, 0x12, 0, 0, 0, 36, 0).await()).isEqualTo(ScsiStatus.GOOD);
        assertThat(run(a, null, 0x1A, 0, 0x3F, 0, 255, 0).await()).isEqualTo(ScsiStatus.GOOD);
        assertThat(run(a, null, 0x17, 0, 0, 0, 0, 0).await()).isEqualTo(ScsiStatus.GOOD);
        assertThat(run(b, null, 0x16, 0, 0, 0, 0, 0).await()).isEqualTo(ScsiStatus.GOOD);
        lun.nexusLost(b);
        assertThat(lun.reservationHolder()).isNull();
    }

    @Test
    void modeSenseAndSelectDescriptorSense() {
        byte[] all = run(a, null, 0x1A, 0, 0x3F, 0, 255, 0).data();
        assertThat(all[0] & 0xFF).isEqualTo(all.length - 1);
        assertThat(all[3]).isEqualTo((byte) 8);
        byte[] ctl = run(a, null, 0x1A, 0x08, 0x0A, 0, 255, 0).data();
        assertThat(ctl[4]).isEqualTo((byte) 0x0A);
        byte[] sel = new byte[4 + 12];
        System.arraycopy(ctl, 4, sel, 4, 12);
        sel[4 + 2] |= 0x04;
        assertThat(run(a, sel, 0x15, 0x10, 0, 0, 16, 0).await()).isEqualTo(ScsiStatus.GOOD);
        TestTask r = run(a, null, 0x28, 0, 0xFF, 0, 0, 0, 0, 0, 1, 0);
        assertThat(r.senseBytes[0]).isEqualTo((byte) 0x72);
        assertThat(r.senseBytes[2]).isEqualTo((byte) 0x21);
        sel[4 + 3] = 0; // queue algorithm is not changeable
        assertThat(run(a, sel, 0x15, 0x10, 0, 0, 16, 0).sense).isEqualTo(Sense.INVALID_FIELD_IN_PARAMETER_LIST);
        assertThat(run(a, null, 0x1A, 0, 0xC8, 0, 255, 0).sense).isEqualTo(Sense.SAVING_PARAMETERS_NOT_SUPPORTED);
    }

    @Test
    void reportSupportedOpcodes() {
        byte[] all = run(a, null, 0xA3, 0x0C, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0).data();
        int n = ByteBuffer.wrap(all).getInt(0) / 8;
        assertThat(n).isGreaterThan(30);
        byte[] one = run(a, null, 0xA3, 0x0C, 1, 0x28, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0).data();
        assertThat(one[1] & 0x07).isEqualTo(3);
        assertThat(one[4]).isEqualTo((byte) 0x28);
        assertThat(run(a, null, 0xA3, 0x0C, 1, 0x9E, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0).sense)
                .isEqualTo(Sense.INVALID_FIELD_IN_CDB);
        byte[] sa = run(a, null, 0xA3, 0x0C, 2, 0x9E, 0, 0x10, 0, 0, 0xFF, 0xFF, 0, 0).data();
        assertThat(sa[1] & 0x07).isEqualTo(3);
        assertThat(ByteBuffer.wrap(sa).getShort(2)).isEqualTo((short) 16); // usage data as long as the CDB
        assertThat(sa[4]).isEqualTo((byte) 0x9E);
        // every command's usage data is as long as its CDB and starts with the operation code
        for (CommandTable.Command c : CommandTable.commands(lun)) {
            assertThat(c.usage()).hasSize(Opcodes.cdbLength(c.opcode()));
            assertThat(c.usage()[0]).isEqualTo((byte) c.opcode());
        }
    }

    @Test
    void reportTargetPortGroups() {
        byte[] d = run(a, null, 0xA3, 0x0A, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0).data();
        assertThat(ByteBuffer.wrap(d).getInt(0)).isEqualTo(12);
        assertThat(d[4] & 0x0F).isEqualTo(0);
        assertThat(ByteBuffer.wrap(d).getShort(6)).isEqualTo((short) 1);
        assertThat(ByteBuffer.wrap(d).getShort(14)).isEqualTo((short) 1);
    }

    @Test
    void standbyPortRefusesMediaAccess() {
        ScsiLun standby = new ScsiLun(desc, LunOptions.defaults().withPortGroups(() -> List.of(
                new PortGroup(1, PortGroup.AccessState.ACTIVE_OPTIMIZED, true, List.of(1)),
                new PortGroup(2, PortGroup.AccessState.STANDBY, false, List.of(2)))));
        ScsiNexus viaTwo = new ScsiNexus("iqn.x,i,0x1", "iqn.t,t,0x2", 2);
        TestTask t = new TestTask(viaTwo, ch, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0);
        standby.execute(t);
        t.await();
        t = new TestTask(viaTwo, ch, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0);
        standby.execute(t);
        t.await();
        assertThat(t.sense).isEqualTo(Sense.LUN_NOT_ACCESSIBLE_STANDBY);
        t = new TestTask(viaTwo, ch, 0x12, 0, 0, 0, 36, 0);
        standby.execute(t);
        assertThat(t.await()).isEqualTo(ScsiStatus.GOOD);
    }

    @Test
    void syncCacheFlushesAndChecksRange() {
        assertThat(run(a, null, 0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0).await()).isEqualTo(ScsiStatus.GOOD);
        assertThat(run(a, null, 0x91, 0, 0, 0, 0, 0, 0, 0, 0x08, 0, 0, 0, 0, 1, 0, 0).sense)
                .isEqualTo(Sense.LBA_OUT_OF_RANGE);
    }

    @Test
    void removedUnitAnswersLunNotSupported() {
        lun.markRemoved();
        assertThat(run(a, null, 0x00).sense).isEqualTo(Sense.LUN_NOT_SUPPORTED);
    }
}
