/**
 * FIFO queues of tasks per key, scoped to one owner object (a Database handle, so tests with
 * their own clients never share queues). Nothing here is needed for correctness: gapless
 * numbers come from the counter increment inside the issue transaction. It avoids a write-conflict
 * storm: N concurrent issues of one org in one process would all race for the org's counter
 * document, N − 1 of them abort and retry with backoff, and throughput collapses (measured on
 * the embedded server: 500 concurrent issues exceeded the driver's 120 s transaction retry
 * budget). Queued, the process sends one issue per org at a time; other processes still
 * conflict with it and are resolved by the transaction retries.
 */
const queues = new WeakMap<object, Map<string, { tail: Promise<void>; pending: number }>>();

export function serializePerKey<T>(owner: object, key: string, task: () => Promise<T>): Promise<T> {
  let byKey = queues.get(owner);
  if (byKey === undefined) {
    byKey = new Map();
    queues.set(owner, byKey);
  }
  const queue = byKey.get(key) ?? { tail: Promise.resolve(), pending: 0 };
  const run = queue.tail.then(task);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  queue.tail = tail;
  queue.pending += 1;
  byKey.set(key, queue);
  void tail.then(() => {
    queue.pending -= 1;
    if (queue.pending === 0 && byKey.get(key) === queue) byKey.delete(key);
  });
  return run;
}

/** Tasks of `key` queued or running (for tests that must act while a task waits its turn). */
export function pendingTasks(owner: object, key: string): number {
  return queues.get(owner)?.get(key)?.pending ?? 0;
}
