import { z } from 'zod';

export const pairedRoundSchema = z.object({
  /** Which ran first in this round (the order alternates, so drift cancels out). */
  first: z.enum(['baseline', 'subject']),
  baselineRps: z.number().nonnegative(),
  subjectRps: z.number().nonnegative(),
  ratio: z.number().nullable(),
});
export type PairedRound = z.infer<typeof pairedRoundSchema>;

export const pairedRatioSchema = z.object({
  name: z.string(),
  numerator: z.string(),
  denominator: z.string(),
  /**
   * When the pairs ran: on the freshly seeded server before any scenario, or after all of them
   * (the one the verdict judges: the server has by then served every other procedure).
   */
  when: z.enum(['fresh', 'afterScenarios']).default('afterScenarios'),
  secondsPerRun: z.number().positive(),
  rounds: z.array(pairedRoundSchema),
  /**
   * Geometric mean of the rounds' ratios; null when a round had no baseline throughput. With
   * an even number of rounds in alternating order a steady drift of the machine cancels out.
   */
  value: z.number().nullable(),
});
export type PairedRatio = z.infer<typeof pairedRatioSchema>;

/** The geometric mean (the mean of ratios that treats ×0.9 and ÷0.9 alike); null for none. */
export function geometricMean(values: readonly number[]): number | null {
  if (values.length === 0 || values.some((v) => !(v > 0))) return null;
  return Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length);
}

/**
 * Runs a subject and its baseline back to back, `rounds` times, alternating which goes first,
 * and keeps the geometric mean of the per-round ratios. Two scenarios run minutes apart in one long
 * bench see a machine whose speed drifts (other tenants, memory reclaim); a pair run seconds
 * apart sees nearly the same machine, and alternating the order (an even number of rounds)
 * cancels a steady drift: a ratio the drift lowers in one round it raises by as much in the next.
 */
export async function measurePaired(
  rounds: number,
  run: (which: 'baseline' | 'subject') => Promise<number>,
): Promise<{ rounds: PairedRound[]; value: number | null }> {
  if (!Number.isInteger(rounds) || rounds < 2 || rounds % 2 !== 0) {
    throw new RangeError('paired rounds must be an even number, at least 2');
  }
  const results: PairedRound[] = [];
  for (let i = 0; i < rounds; i++) {
    const first = i % 2 === 0 ? 'baseline' : 'subject';
    const order =
      first === 'baseline'
        ? (['baseline', 'subject'] as const)
        : (['subject', 'baseline'] as const);
    const rps = { baseline: 0, subject: 0 };
    for (const which of order) rps[which] = await run(which);
    results.push({
      first,
      baselineRps: rps.baseline,
      subjectRps: rps.subject,
      ratio: rps.baseline > 0 ? Number((rps.subject / rps.baseline).toFixed(3)) : null,
    });
  }
  const ratios = results.map((r) => r.ratio ?? 0);
  const mean = geometricMean(ratios);
  return { rounds: results, value: mean === null ? null : Number(mean.toFixed(3)) };
}
