package io.karst.nbd.internal;

import io.netty.handler.ssl.SslContext;
import java.util.List;

/** What a session needs from its server: the exports, TLS, limits, and the table of connections. */
interface SessionHost {
    /** The export of that name; the empty name finds the default export. {@code null} when there is none. */
    LiveExport findExport(String name);

    List<LiveExport> exports();

    /** The server's TLS context, or {@code null} when TLS is off. */
    SslContext sslContext();

    /** Whether clients must STARTTLS before anything else. */
    boolean tlsRequired();

    /** The largest READ/WRITE payload accepted (also NBD_INFO_BLOCK_SIZE's maximum). */
    int maxPayload();

    /** Requests one connection may have in flight before the server stops reading from it. */
    int maxOutstanding();

    /** How long a client may take to finish negotiating, in ms. */
    long negotiationTimeoutMillis();

    void opened(NbdSession session);

    void closed(NbdSession session);
}
