import { describe, expect, it } from 'vitest';
import { standardErrorRange, type PairedRatio } from './paired.js';
import { judgeSlos } from './results.js';

function pairs(when: PairedRatio['when'], ratios: number[]): PairedRatio {
  return {
    name: `paired ${when}`,
    numerator: 'invoice.byId',
    denominator: 'raw.mongo.findOne',
    when,
    secondsPerRun: 5,
    rounds: ratios.map((ratio, i) => ({
      first: i % 2 === 0 ? 'baseline' : 'subject',
      baselineRps: 1000,
      subjectRps: 1000 * ratio,
      ratio,
    })),
    value: ratios.reduce((product, r) => product * r, 1) ** (1 / ratios.length),
    standardErrorRange: standardErrorRange(ratios),
  };
}

function ratioVerdict(pairedRatios: PairedRatio[]) {
  const verdict = judgeSlos([], [], 32, 'upload.10mb', pairedRatios).find(
    (s) => s.name === 'invoice.byId throughput vs raw MongoDB route',
  );
  if (!verdict) throw new Error('no ratio verdict');
  return verdict;
}

describe('the throughput-ratio verdict', () => {
  it('judges the pairs run after the scenarios and only reports those on the fresh server', () => {
    const fresh = pairs('fresh', [0.7, 0.7]);
    const after = pairs('afterScenarios', [0.58, 0.58]);
    for (const order of [
      [fresh, after],
      [after, fresh],
    ]) {
      const verdict = ratioVerdict(order);
      expect(verdict.pass).toBe(false);
      expect(verdict.measured).toMatch(
        /^58\.0% \(geometric mean of 2 paired runs, 58\.0%–58\.0% within one standard error; single pairs 58\.0%–58\.0%/,
      );
      expect(verdict.measured).toContain('on the fresh server: 70.0%');
    }
  });

  it('is not judged on the fresh server alone', () => {
    const verdict = ratioVerdict([pairs('fresh', [0.7, 0.7])]);
    expect(verdict.pass).toBeNull();
    expect(verdict.measured).toBe('not run');
  });

  it("falls back to the table's single runs, not to the fresh pairs, and still names those", () => {
    const table = [
      {
        name: 'byId / raw',
        numerator: 'invoice.byId',
        denominator: 'raw.mongo.findOne',
        value: 0.65,
      },
    ];
    const verdict = judgeSlos([], table, 32, 'upload.10mb', [pairs('fresh', [0.5, 0.5])]).find(
      (s) => s.name === 'invoice.byId throughput vs raw MongoDB route',
    );
    expect(verdict?.pass).toBe(true);
    expect(verdict?.measured).toBe('65.0% (on the fresh server: 50.0%)');
  });

  it('passes at 60% after the scenarios without a fresh measurement', () => {
    const verdict = ratioVerdict([pairs('afterScenarios', [0.6, 0.6])]);
    expect(verdict.pass).toBe(true);
    expect(verdict.measured).not.toContain('fresh server');
  });

  it('says how far one standard error reaches, and the range of single pairs', () => {
    const verdict = ratioVerdict([pairs('afterScenarios', [0.4, 0.9, 0.5, 0.8])]);
    // Geometric mean 0.616; the logs' standard error 0.192, so ÷ and × 1.212.
    expect(verdict.measured).toBe(
      '61.6% (geometric mean of 4 paired runs, 50.8%–74.6% within one standard error; single pairs 40.0%–90.0%)',
    );
    expect(verdict.pass).toBe(true);
  });
});
