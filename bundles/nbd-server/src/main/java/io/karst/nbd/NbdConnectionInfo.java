package io.karst.nbd;

import java.time.Instant;

/**
 * One client connection.
 *
 * @param id           server-wide sequence number
 * @param remote       the client's address
 * @param export       the export chosen, or empty during negotiation
 * @param phase        {@code negotiation} or {@code transmission}
 * @param tls          whether the connection is encrypted
 * @param structured   whether structured replies were negotiated
 * @param since        when it connected
 * @param requests     requests received
 * @param readBytes    bytes read by the client
 * @param writtenBytes bytes written by the client
 * @param errors       requests answered with an error
 * @param outstanding  requests in flight
 */
public record NbdConnectionInfo(long id, String remote, String export, String phase, boolean tls, boolean structured,
                                Instant since, long requests, long readBytes, long writtenBytes, long errors,
                                int outstanding) {
}
