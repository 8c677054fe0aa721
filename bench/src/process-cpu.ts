import { readFile } from 'node:fs/promises';

/** Linux reports /proc CPU times in USER_HZ ticks, 100 per second on every architecture. */
const MICROS_PER_TICK = 10_000;

/**
 * CPU time (user + system, µs, 10 ms resolution) a process has used so far, from
 * `/proc/<pid>/stat`: the database child's, which answers no HTTP of its own. Null where
 * there is no /proc (not Linux) or the process is gone.
 */
export async function processCpuMicros(pid: number): Promise<number | null> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Fields after the command name, which is in parentheses and may itself hold spaces or ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after "pid (comm) ".
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return (utime + stime) * MICROS_PER_TICK;
}
