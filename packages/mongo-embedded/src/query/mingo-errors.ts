import { ErrorCode, MongoCommandError } from '../errors.js';

/**
 * mingo reports client mistakes as plain `MingoError`s; MongoDB answers them with
 * specific codes. Translate the ones drivers and tests look at; the rest become BadValue.
 */
const TRANSLATIONS: { pattern: RegExp; code: number; message: (m: RegExpExecArray) => string }[] = [
  {
    pattern: /unregistered pipeline operator (\$\w+)/,
    code: 40324,
    message: (m) => `Unrecognized pipeline stage name: '${m[1]}'`,
  },
  {
    pattern:
      /(?:accumulator|operator|expression) '?(\$\w+)'? is not registered|unregistered (?:expression|accumulator) operator (\$\w+)/,
    code: ErrorCode.InvalidPipelineOperator,
    message: (m) => `Unrecognized expression '${m[1] ?? m[2]}'`,
  },
  {
    pattern: /\$group specification must include an '_id'/,
    code: 15955,
    message: () => 'a group specification must include an _id',
  },
  {
    pattern: /Cannot do exclusion and inclusion in projection/,
    code: 31254,
    message: () => 'Cannot do exclusion on field in inclusion projection',
  },
  {
    pattern: /unregistered query operator (\$\w+)|unknown (?:query )?operator:? '?(\$\w+)/i,
    code: ErrorCode.BadValue,
    message: (m) => `unknown operator: ${m[1] ?? m[2]}`,
  },
];

export function translateMingoError(error: Error): MongoCommandError {
  for (const { pattern, code, message } of TRANSLATIONS) {
    const match = pattern.exec(error.message);
    if (match) return new MongoCommandError(code, message(match));
  }
  return new MongoCommandError(ErrorCode.BadValue, error.message);
}
