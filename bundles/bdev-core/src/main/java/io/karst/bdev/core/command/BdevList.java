package io.karst.bdev.core.command;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevRegistry;
import io.karst.bdev.spi.Sizes;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "bdev", name = "list", description = "Lists the block devices")
@Service
public class BdevList implements Action {
    @Reference
    BdevRegistry registry;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        table.column("Name");
        table.column("Module");
        table.column("Block size").alignRight();
        table.column("Blocks").alignRight();
        table.column("Size").alignRight();
        table.column("Holders").alignRight();
        table.column("Claimed by");
        table.column("UUID");
        for (Bdev b : registry.bdevs()) {
            // sorted, so that the same holders read the same whatever order they opened the bdev in
            String claimed = b.holders().stream()
                    .filter(h -> h.claim() != io.karst.bdev.ClaimType.NONE)
                    .map(h -> h.holder() + " (" + h.claim().spdkName() + ")")
                    .sorted()
                    .collect(java.util.stream.Collectors.joining(", "));
            table.addRow().addContent(b.name(), b.module(), b.blockSize(), b.blockCount(), Sizes.format(b.sizeBytes()),
                    b.holders().size(), claimed.isEmpty() ? "-" : claimed, b.uuid());
        }
        table.print(System.out);
        return null;
    }
}
