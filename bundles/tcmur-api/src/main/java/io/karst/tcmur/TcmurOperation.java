package io.karst.tcmur;

/** The entry points of a handler that carry I/O; a handler lists those it implements. */
public enum TcmurOperation {
    READ, WRITE, FLUSH, UNMAP, WRITESAME, CAW,
    /** Raw SCSI commands ({@link TcmurHandler#handleCmd}). */
    HANDLE_CMD
}
