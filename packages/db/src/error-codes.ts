/**
 * The server-side codes of the SDAM specification's "not writable primary" and "node is
 * recovering" errors (ShutdownInProgress, PrimarySteppedDown, NotWritablePrimary,
 * InterruptedAtShutdown, InterruptedDueToReplStateChange, NotPrimaryNoSecondaryOk,
 * NotPrimaryOrSecondary): the deployment is restarting or electing, not refusing this request.
 */
export const STATE_CHANGE_CODES: ReadonlySet<number> = new Set([
  91, 189, 10107, 11600, 11602, 13435, 13436,
]);
