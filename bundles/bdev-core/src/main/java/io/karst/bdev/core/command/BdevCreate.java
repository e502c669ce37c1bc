package io.karst.bdev.core.command;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevAdmin;
import io.karst.bdev.spi.Sizes;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "bdev", name = "create", description = "Creates a block device of a module type; it persists across"
        + " restarts", detailedDescription = "Arguments are the type's parameters in order, or key=value. Run"
        + " without a type to list the types and their parameters. Examples:\n"
        + "  bdev:create malloc Malloc1 64M 4096\n  bdev:create file File0 /var/lib/karst/disk.img block_size=4096\n"
        + "  bdev:create passthru PT0 Malloc1")
@Service
public class BdevCreate implements Action {
    @Reference
    BdevAdmin admin;

    @Argument(index = 0, name = "type", description = "module type (malloc, null, file, passthru, delay, error, ...)")
    @Completion(BdevTypeCompleter.class)
    String type;

    @Argument(index = 1, name = "name", description = "name of the new bdev")
    String name;

    @Argument(index = 2, name = "parameters", description = "positional values or key=value", multiValued = true)
    @Completion(BdevParameterCompleter.class)
    List<String> parameters;

    @Override
    public Object execute() {
        if (type == null || name == null) {
            System.out.println("Usage: bdev:create <type> <name> [parameters...]\nTypes:");
            for (BdevAdmin.TypeInfo t : admin.types()) {
                System.out.println("  " + t.usage() + "    " + t.description());
                for (BdevAdmin.Parameter p : t.parameters()) {
                    System.out.println("      " + p.name() + ": " + p.description()
                            + (p.defaultValue() == null ? "" : " (default " + p.defaultValue() + ")"));
                }
            }
            return null;
        }
        Bdev b = admin.create(type, name, parameters == null ? List.of() : parameters);
        System.out.println("Created " + b.module() + " bdev " + b.name() + ": " + b.blockCount() + " blocks of "
                + b.blockSize() + " bytes (" + Sizes.format(b.sizeBytes()) + "), uuid " + b.uuid());
        return null;
    }
}
