import { MongoServerError } from 'mongodb';

const DUPLICATE_KEY = 11000;

/** MongoDB's DuplicateKey (11000): a unique index refused the write. */
export function isDuplicateKey(error: unknown): error is MongoServerError {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}
