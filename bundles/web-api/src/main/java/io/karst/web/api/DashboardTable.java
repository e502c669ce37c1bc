package io.karst.web.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A titled table of the dashboard. Cells are plain values: {@link String}, {@link Number}, {@link Boolean} or
 * {@code null}; the column's {@link Kind} says how the page shows them.
 *
 * @param title   what the table shows, e.g. "iSCSI sessions"
 * @param columns the columns, in order
 * @param rows    one list of cells per row, as many cells as there are columns
 */
public record DashboardTable(String title, List<Column> columns, List<List<Object>> rows) {

    /** How the page shows a column's values. */
    public enum Kind {
        /** As it is. */
        TEXT,
        /** A number, right-aligned. */
        NUMBER,
        /** A byte count, shown with a binary unit (KiB, MiB, ...). */
        BYTES,
        /** A byte rate per second, shown with a binary unit (MiB/s, ...). */
        BYTES_PER_SECOND,
        /** A state name (e.g. DRBD's {@code UpToDate}, {@code SyncSource}), shown as a badge. */
        STATE,
        /** A percentage 0 to 100 (e.g. resync progress), shown as a progress bar; {@code null} hides the bar. */
        PROGRESS
    }

    /** A column: its heading and how its values are shown. */
    public record Column(String label, Kind kind) {
        public Column {
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(kind, "kind");
        }
    }

    public DashboardTable {
        Objects.requireNonNull(title, "title");
        columns = List.copyOf(columns);
        List<List<Object>> copy = new ArrayList<>(rows.size());
        for (List<Object> row : rows) {
            if (row.size() != columns.size()) {
                throw new IllegalArgumentException("row of " + row.size() + " cells in a table of " + columns.size()
                        + " columns: " + row);
            }
            for (Object cell : row) {
                if (cell != null && !(cell instanceof String) && !(cell instanceof Number)
                        && !(cell instanceof Boolean)) {
                    throw new IllegalArgumentException("cell of type " + cell.getClass().getName()
                            + " (only String, Number, Boolean or null)");
                }
            }
            // cells may be null: List.copyOf would refuse them
            copy.add(Collections.unmodifiableList(new ArrayList<>(row)));
        }
        rows = Collections.unmodifiableList(copy);
    }

    /** Starts a table with the given title. */
    public static Builder builder(String title) {
        return new Builder(title);
    }

    /** Builds a table column by column, then row by row. */
    public static final class Builder {
        private final String title;
        private final List<Column> columns = new ArrayList<>();
        private final List<List<Object>> rows = new ArrayList<>();

        private Builder(String title) {
            this.title = title;
        }

        public Builder column(String label, Kind kind) {
            columns.add(new Column(label, kind));
            return this;
        }

        public Builder row(Object... cells) {
            rows.add(java.util.Arrays.asList(cells));
            return this;
        }

        public DashboardTable build() {
            return new DashboardTable(title, columns, rows);
        }
    }
}
