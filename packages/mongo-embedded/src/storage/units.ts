/** Write units (auto-commit or a transaction's) and transaction handles of the engine. */
import type { Document } from 'bson';
import { ErrorCode, MongoCommandError, writeConflict } from '../errors.js';
import type { Namespace, TransactionHandle, WriteUnit } from './contract.js';
import type { Rec, TxnState, Version } from './records.js';

/** What a unit needs from its engine: the three writes, applied inside that unit. */
export interface UnitHost {
  insertIn(unit: Unit, ns: Namespace, input: Document): void;
  replaceIn(unit: Unit, ns: Namespace, input: Document): boolean;
  removeIn(unit: Unit, ns: Namespace, id: unknown): boolean;
}

export function noSuchTransaction(id: string): MongoCommandError {
  return new MongoCommandError(
    ErrorCode.NoSuchTransaction,
    `Transaction ${id} has been aborted or is no longer in progress.`,
  );
}

export interface Applied {
  rec: Rec;
  ver: Version;
}

/** A write unit: auto-commit (txn === null) or a transaction's. */
export class Unit implements WriteUnit {
  /** For auto units: the transaction whose lock stopped this attempt. */
  blockedOn: Txn | null = null;
  readonly applied: Applied[] = [];
  readonly detached: Promise<void>[] = [];
  finished = false;

  constructor(
    private readonly engine: UnitHost,
    readonly txn: Txn | null,
    readonly mayWait: boolean,
  ) {}

  private guard(): void {
    if (this.txn !== null) {
      if (this.txn.status !== 'active') throw noSuchTransaction(this.txn.id);
      return;
    }
    if (this.finished) {
      throw new MongoCommandError(
        ErrorCode.InternalError,
        'write unit used after its write finished',
      );
    }
    // Once blocked, the attempt will be rolled back and re-run: stop doing work.
    if (this.blockedOn !== null) throw writeConflict();
  }

  insert(ns: Namespace, doc: Document): void {
    this.guard();
    this.engine.insertIn(this, ns, doc);
  }

  replace(ns: Namespace, doc: Document): boolean {
    this.guard();
    return this.engine.replaceIn(this, ns, doc);
  }

  remove(ns: Namespace, id: unknown): boolean {
    this.guard();
    return this.engine.removeIn(this, ns, id);
  }
}

export class Txn implements TransactionHandle, TxnState {
  snapshot: number | undefined = undefined;
  status: 'active' | 'committed' | 'aborted' = 'active';
  /** Records this transaction wrote, in first-write order. */
  readonly written = new Set<Rec>();
  readonly writes: WriteUnit;
  readonly done: Promise<void>;
  commitDurable: Promise<void> | undefined;
  private release: () => void = () => undefined;

  constructor(
    readonly id: string,
    readonly engine: UnitHost,
  ) {
    this.done = new Promise((resolve) => {
      this.release = resolve;
    });
    this.writes = new Unit(engine, this, false);
  }

  end(status: 'committed' | 'aborted'): void {
    this.status = status;
    this.release();
  }
}

/** Resolves when `done` settles or at `deadline` (epoch ms), whichever comes first. */
export function waitUntil(done: Promise<void>, deadline: number): Promise<void> {
  const remaining = deadline - Date.now();
  if (remaining <= 0) return Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    done,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, remaining);
    }),
  ]).finally(() => clearTimeout(timer));
}
