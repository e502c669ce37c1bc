package io.karst.web.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class DashboardTableTest {
    @Test
    void buildsATableWithNullCells() {
        DashboardTable t = DashboardTable.builder("DRBD resources")
                .column("Resource", DashboardTable.Kind.TEXT)
                .column("Disk", DashboardTable.Kind.STATE)
                .column("Resync", DashboardTable.Kind.PROGRESS)
                .row("r0", "UpToDate", null)
                .row("r1", "Inconsistent", 42.5)
                .build();
        assertThat(t.rows()).hasSize(2);
        assertThat(t.rows().get(0)).containsExactly("r0", "UpToDate", null);
        assertThat(t.columns().get(2).kind()).isEqualTo(DashboardTable.Kind.PROGRESS);
    }

    @Test
    void refusesRowsOfTheWrongWidthAndOtherValueTypes() {
        DashboardTable.Column c = new DashboardTable.Column("a", DashboardTable.Kind.TEXT);
        assertThatThrownBy(() -> new DashboardTable("t", List.of(c), List.of(List.of("x", "y"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 cells");
        assertThatThrownBy(() -> new DashboardTable("t", List.of(c), List.of(List.of(new Object()))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only String");
    }

    @Test
    void isImmutable() {
        DashboardTable t = DashboardTable.builder("t").column("a", DashboardTable.Kind.NUMBER).row(1).build();
        assertThatThrownBy(() -> t.rows().get(0).set(0, 2)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> t.rows().add(List.of(3))).isInstanceOf(UnsupportedOperationException.class);
    }
}
