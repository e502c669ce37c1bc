package io.karst.bdev.core.command;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevAdmin;
import io.karst.bdev.spi.Sizes;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "bdev", name = "resize", description = "Changes the size of a block device (malloc, file); holders"
        + " get a resize event")
@Service
public class BdevResize implements Action {
    @Reference
    BdevAdmin admin;

    @Argument(index = 0, name = "name", required = true)
    @Completion(BdevNameCompleter.class)
    String name;

    @Argument(index = 1, name = "size", description = "new size, e.g. 512M or 1G", required = true)
    String size;

    @Override
    public Object execute() {
        Bdev b = admin.resize(name, Sizes.parse(size));
        System.out.println("Resized " + name + " to " + Sizes.format(b.sizeBytes()) + " (" + b.blockCount()
                + " blocks)");
        return null;
    }
}
