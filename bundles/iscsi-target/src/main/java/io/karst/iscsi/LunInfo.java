package io.karst.iscsi;

/** A LUN of a target node: configured bdev, and whether the bdev is attached (exists and is open). */
public record LunInfo(String target, int lun, String bdev, boolean attached, String naa, String serial) {
}
