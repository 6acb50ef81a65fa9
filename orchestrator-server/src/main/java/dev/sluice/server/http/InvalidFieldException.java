package dev.sluice.server.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonMappingException;

/**
 * A JSON value of the right type that the API still refuses (a time out of range). Being a
 * JsonMappingException, Jackson adds the path of the field, and the error table names it.
 */
public final class InvalidFieldException extends JsonMappingException {
    public InvalidFieldException(JsonParser p, String message) {
        super(p, message);
    }
}
