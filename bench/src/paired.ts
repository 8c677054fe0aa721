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
  /**
   * The mean's uncertainty: the geometric mean divided and multiplied by e^(standard error of
   * the rounds' log ratios), i.e. one standard error either side. Null with fewer than two
   * usable rounds (and in results written before it was recorded).
   */
  standardErrorRange: z.tuple([z.number(), z.number()]).nullable().default(null),
});
export type PairedRatio = z.infer<typeof pairedRatioSchema>;

/** The geometric mean (the mean of ratios that treats ×0.9 and ÷0.9 alike); null for none. */
export function geometricMean(values: readonly number[]): number | null {
  if (values.length === 0 || values.some((v) => !(v > 0))) return null;
  return Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length);
}

/** The geometric mean ÷ and × e^(standard error of the logs): one standard error either side. */
export function standardErrorRange(values: readonly number[]): [number, number] | null {
  const mean = geometricMean(values);
  if (mean === null || values.length < 2) return null;
  const logs = values.map((v) => Math.log(v));
  const logMean = Math.log(mean);
  const variance = logs.reduce((sum, l) => sum + (l - logMean) ** 2, 0) / (logs.length - 1);
  const factor = Math.exp(Math.sqrt(variance / logs.length));
  return [mean / factor, mean * factor];
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
): Promise<{
  rounds: PairedRound[];
  value: number | null;
  standardErrorRange: [number, number] | null;
}> {
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
  const range = standardErrorRange(ratios);
  return {
    rounds: results,
    value: mean === null ? null : Number(mean.toFixed(3)),
    standardErrorRange:
      range === null ? null : [Number(range[0].toFixed(3)), Number(range[1].toFixed(3))],
  };
}
