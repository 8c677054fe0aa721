/** Progress for long work (backup, restore): one self-overwriting line on a terminal. */
export interface Progress {
  update(text: string): void;
  /** Clears the line (call before printing results). */
  done(): void;
}

export const silentProgress: Progress = { update: () => undefined, done: () => undefined };

/**
 * Progress on stderr when it is a terminal and output is for people; silent otherwise (pipes,
 * logs, `--json`), so scripts never see carriage returns. Updates are throttled.
 */
export function createProgress(
  tty: { write(text: string): void } | undefined,
  enabled: boolean,
  now: () => number = () => Date.now(),
  intervalMs = 100,
): Progress {
  if (!tty || !enabled) return silentProgress;
  let last = -Infinity;
  let shown = false;
  return {
    update(text) {
      const t = now();
      if (t - last < intervalMs) return;
      last = t;
      shown = true;
      tty.write(`\r\u001b[2K${text}`);
    },
    done() {
      if (shown) tty.write('\r\u001b[2K');
      shown = false;
      last = -Infinity;
    },
  };
}
