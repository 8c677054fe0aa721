/** The limits MongoDB 7.0 advertises in `hello`; the server enforces the same numbers. */
export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;
export const MAX_MESSAGE_SIZE_BYTES = 48_000_000;
export const MAX_WRITE_BATCH_SIZE = 100_000;
/** Commands may exceed the document limit by this much (MongoDB's BSONObjMaxInternalSize). */
export const MAX_COMMAND_SIZE = MAX_BSON_OBJECT_SIZE + 16 * 1024;
