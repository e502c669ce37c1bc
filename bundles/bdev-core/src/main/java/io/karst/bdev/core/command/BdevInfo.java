package io.karst.bdev.core.command;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevAdmin;
import io.karst.bdev.BdevRegistry;
import io.karst.bdev.IoType;
import io.karst.bdev.core.management.BdevFormat;
import io.karst.bdev.spi.Sizes;
import java.io.PrintStream;
import java.util.stream.Collectors;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "bdev", name = "info", description = "Shows everything about one block device")
@Service
public class BdevInfo implements Action {
    @Reference
    BdevRegistry registry;

    @Reference
    BdevAdmin admin;

    @Argument(index = 0, name = "name", description = "bdev name or alias", required = true)
    @Completion(BdevNameCompleter.class)
    String name;

    @Override
    public Object execute() {
        Bdev b = registry.find(name).orElse(null);
        if (b == null) {
            throw new io.karst.bdev.BdevException(io.karst.bdev.BdevException.Reason.NOT_FOUND, "no bdev named "
                    + name);
        }
        PrintStream out = System.out;
        out.println("Name:                " + b.name());
        out.println("Aliases:             " + (b.aliases().isEmpty() ? "-" : String.join(", ", b.aliases())));
        out.println("UUID:                " + b.uuid());
        out.println("Module:              " + b.module());
        out.println("Product name:        " + b.productName());
        out.println("Block size:          " + b.blockSize());
        out.println("Blocks:              " + b.blockCount());
        out.println("Size:                " + Sizes.format(b.sizeBytes()) + " (" + b.sizeBytes() + " bytes)");
        out.println("Buffer alignment:    " + b.requiredAlignment());
        out.println("Optimal I/O boundary:" + (b.optimalIoBoundary() == 0 ? " none" : " " + b.optimalIoBoundary()
                + " blocks"));
        out.println("Write cache:         " + (b.writeCache() ? "yes" : "no"));
        out.println("Read-only:           " + (b.readOnly() ? "yes" : "no"));
        out.println("Unmap reads zeroes:  " + (b.unmapReadsZeroes() ? "yes" : "no"));
        out.println("I/O types:           " + b.ioTypes().stream().sorted().map(IoType::spdkName)
                .collect(Collectors.joining(" ")));
        out.println("Configured:          " + (admin.isConfigured(b.name()) ? "yes" : "no"));
        b.driverInfo().forEach((k, v) -> out.println("  " + k + ": " + v));
        out.println("Holders:             " + (b.holders().isEmpty() ? "none" : ""));
        for (String h : BdevFormat.holders(b)) {
            out.println("  " + h);
        }
        out.println("In flight:           " + b.statistics().inFlight());
        for (String line : BdevFormat.iostat(b.statistics())) {
            out.println("  " + line);
        }
        return null;
    }
}
