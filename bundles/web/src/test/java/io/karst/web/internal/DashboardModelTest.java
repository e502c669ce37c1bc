package io.karst.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.karst.bdev.ClaimType;
import io.karst.bdev.IoType;
import io.karst.web.api.DashboardProvider;
import io.karst.web.api.DashboardTable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DashboardModelTest {
    private static DashboardProvider provider(String section, DashboardTable table) {
        return new DashboardProvider() {
            @Override
            public String section() {
                return section;
            }

            @Override
            public DashboardTable table() {
                return table;
            }
        };
    }

    @Test
    void withoutProvidersTheKnownSectionsAreThereAndEmpty() {
        String json = Json.write(DashboardModel.dashboard("root", 1234, List.of(), Map.of(), List.of()));
        assertThat(json).isEqualTo("{\"instance\":\"root\",\"time\":1234,\"bdevs\":[],\"sections\":["
                + "{\"id\":\"frontends\",\"title\":\"Frontend sessions\",\"tables\":[]},"
                + "{\"id\":\"replication\",\"title\":\"Replication resources\",\"tables\":[]}]}");
    }

    @Test
    void providersFillTheirSectionsAndAFailingOneShowsItsError() {
        DashboardTable drbd = DashboardTable.builder("DRBD resources")
                .column("Resource", DashboardTable.Kind.TEXT).column("Resync", DashboardTable.Kind.PROGRESS)
                .row("r0", 42.5).build();
        DashboardProvider broken = new DashboardProvider() {
            @Override
            public String section() {
                return DashboardProvider.FRONTENDS;
            }

            @Override
            public DashboardTable table() {
                throw new IllegalStateException("boom");
            }
        };
        List<Object> sections = DashboardModel.sections(List.of(provider("replication", drbd), broken,
                provider("tcmu", DashboardTable.builder("Handlers").column("Name", DashboardTable.Kind.TEXT)
                        .build())));
        String json = Json.write(sections);
        assertThat(json).contains("{\"id\":\"replication\",\"title\":\"Replication resources\",\"tables\":[{\"title\":"
                + "\"DRBD resources\",\"columns\":[{\"label\":\"Resource\",\"kind\":\"text\"},{\"label\":\"Resync\","
                + "\"kind\":\"progress\"}],\"rows\":[[\"r0\",42.5]]}]}");
        assertThat(json).contains("\"error\":\"java.lang.IllegalStateException: boom\"");
        assertThat(json).contains("{\"id\":\"tcmu\",\"title\":\"tcmu\"");
    }

    @Test
    void bdevDocumentHasGeometryHoldersRatesAndTotals() {
        FakeBdev b = new FakeBdev("Malloc0").counters(IoType.READ, 10, 40960, 0, 100_000, 5)
                .counters(IoType.UNMAP, 2, 1 << 20, 1, 2000, 5)
                .holder("bdev:perf", true, ClaimType.READ_MANY_WRITE_SHARED);
        BdevRates.Rates r = BdevRates.rates(new FakeBdev("x").at(0).stats,
                b.at(2_000_000_000L).stats);
        Map<String, Object> doc = DashboardModel.bdev(b, b.stats, r);
        String json = Json.write(doc);
        assertThat(json).contains("\"name\":\"Malloc0\"", "\"module\":\"malloc\"", "\"blockSize\":512",
                "\"sizeBytes\":1048576", "\"holders\":[{\"holder\":\"bdev:perf\",\"writable\":true,"
                        + "\"claim\":\"read_many_write_shared\"}]",
                "\"rates\":{\"interval\":2,\"iops\":6,\"read\":{\"iops\":5,\"bytesPerSecond\":20480,"
                        + "\"errorsPerSecond\":0,\"meanLatencyMicros\":10}",
                "\"totals\":{\"read\":{\"ops\":10,\"bytes\":40960,\"errors\":0},\"write\":{\"ops\":0,\"bytes\":0,"
                        + "\"errors\":0},\"other\":{\"ops\":2,\"bytes\":1048576,\"errors\":1}}",
                "\"driverInfo\":{\"memory\":\"direct\"}");
        assertThat(Json.write(DashboardModel.bdev(b, b.stats, null))).contains("\"rates\":null");
    }
}
