package io.karst.rpc.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;

/** Bytes that are not (yet) one JSON value: malformed, over a size bound, or cut off at the end of the input. */
public final class JsonDecodeException extends IOException {
    private static final long serialVersionUID = 1L;

    public enum Kind {
        /** Not JSON (bad syntax, invalid UTF-8, nesting or number length over the parser's bounds). */
        PARSE,
        /** One value is larger than the decoder accepts. */
        TOO_LARGE,
        /** The input ended inside a value. */
        INCOMPLETE
    }

    private final Kind kind;

    public JsonDecodeException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public JsonDecodeException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    static JsonDecodeException of(IOException e) {
        String message = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        if (e instanceof StreamConstraintsException) {
            return new JsonDecodeException(Kind.PARSE, message, e);
        }
        if (e instanceof com.fasterxml.jackson.core.io.JsonEOFException) {
            return new JsonDecodeException(Kind.INCOMPLETE, "incomplete JSON value: " + message, e);
        }
        if (e instanceof JsonProcessingException j && j.getLocation() != null) {
            message = message + " (line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr() + ")";
        }
        return new JsonDecodeException(Kind.PARSE, message, e);
    }
}
