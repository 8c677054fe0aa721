import type { Document } from 'bson';

/** MongoDB server error codes we answer with (names as in MongoDB's error_codes.yml). */
export const ErrorCode = {
  InternalError: 1,
  BadValue: 2,
  NoSuchKey: 4,
  FailedToParse: 9,
  Unauthorized: 13,
  TypeMismatch: 14,
  InvalidLength: 16,
  PathNotViable: 28,
  IllegalOperation: 20,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NamespaceExists: 48,
  MaxTimeMSExpired: 50,
  DollarPrefixedFieldName: 52,
  InvalidIdField: 53,
  CommandNotFound: 59,
  ImmutableField: 66,
  CannotCreateIndex: 67,
  IndexAlreadyExists: 68,
  InvalidOptions: 72,
  ConflictingOperationInProgress: 117,
  InvalidIndexSpecificationOption: 197,
  TransactionTooOld: 225,
  InvalidBSON: 22,
  UnsupportedOpQueryCommand: 352,
  QueryPlanKilled: 175,
  Location40571: 40571,
  Location17419: 17419,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  DocumentValidationFailure: 121,
  WriteConflict: 112,
  NoSuchTransaction: 251,
  TransactionCommitted: 256,
  OperationNotSupportedInTransaction: 263,
  InvalidPipelineOperator: 168,
  CannotIndexParallelArrays: 171,
  Location40414: 40414,
  BSONObjectTooLarge: 10334,
  DuplicateKey: 11000,
  NotWritablePrimary: 10107,
  Location51024: 51024,
  Overflow: 15,
  Location15998: 15998,
  Location16410: 16410,
  Location40352: 40352,
  Location51047: 51047,
  Location16866: 16866,
  Location16867: 16867,
  Location16868: 16868,
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;

const nameByCode = new Map<number, string>(
  Object.entries(ErrorCode).map(([name, code]) => [code, name]),
);

export function codeName(code: number): string {
  return nameByCode.get(code) ?? 'UnknownError';
}

/**
 * An error the server sends back as `{ ok: 0, errmsg, code, codeName, errorLabels?, ...extra }`.
 * `extra` carries fields such as keyPattern/keyValue for duplicate keys.
 */
export class MongoCommandError extends Error {
  readonly code: number;
  readonly codeName: string;
  readonly errorLabels: string[];
  readonly extra: Document;

  constructor(
    code: number,
    message: string,
    options: { labels?: string[]; extra?: Document } = {},
  ) {
    super(message);
    this.name = 'MongoCommandError';
    this.code = code;
    this.codeName = codeName(code);
    this.errorLabels = options.labels ?? [];
    this.extra = options.extra ?? {};
  }

  /** The reply document for a failed command. */
  toReply(): Document {
    return {
      ok: 0,
      errmsg: this.message,
      code: this.code,
      codeName: this.codeName,
      ...(this.errorLabels.length > 0 ? { errorLabels: this.errorLabels } : {}),
      ...this.extra,
    };
  }

  /** The entry for a `writeErrors` array. */
  toWriteError(index: number): Document {
    return { index, code: this.code, codeName: this.codeName, errmsg: this.message, ...this.extra };
  }
}

export function writeConflict(
  message = 'Write conflict during plan execution and yielding is disabled.',
): MongoCommandError {
  return new MongoCommandError(ErrorCode.WriteConflict, message, {
    labels: ['TransientTransactionError'],
  });
}

export function duplicateKey(
  ns: string,
  indexName: string,
  keyPattern: Document,
  keyValue: Document,
): MongoCommandError {
  const shown = Object.entries(keyValue)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(', ');
  return new MongoCommandError(
    ErrorCode.DuplicateKey,
    `E11000 duplicate key error collection: ${ns} index: ${indexName} dup key: { ${shown} }`,
    { extra: { keyPattern, keyValue } },
  );
}
