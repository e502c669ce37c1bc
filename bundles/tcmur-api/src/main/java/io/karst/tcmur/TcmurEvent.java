package io.karst.tcmur;

/** What the host reports to a handler's {@link TcmurHandler#reportEvent} (tcmu-runner's {@code tcmur_event}). */
public enum TcmurEvent {
    LOCK_LOST, CONN_LOST, CMD_TIMED_OUT
}
