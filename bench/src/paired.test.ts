import { describe, expect, it } from 'vitest';
import { geometricMean, measurePaired, standardErrorRange } from './paired.js';

describe('geometricMean', () => {
  it.each([
    [[], null],
    [[0.5], 0.5],
    [[0.54, 0.6 / 0.9], 0.6],
    [[0.5, 0], null],
  ])('of %j is %j', (values, expected) => {
    const mean = geometricMean(values);
    if (expected === null) expect(mean).toBeNull();
    else expect(mean).toBeCloseTo(expected, 12);
  });
});

describe('standardErrorRange', () => {
  it('is the geometric mean ÷ and × e^(standard error of the logs)', () => {
    const range = standardErrorRange([0.5, 0.8]);
    // logs -0.693 and -0.223: sd 0.3323, se 0.235, factor 1.265; mean 0.6325.
    expect(range?.[0]).toBeCloseTo(0.5, 3);
    expect(range?.[1]).toBeCloseTo(0.8, 3);
    expect(standardErrorRange([0.6, 0.6])).toEqual([0.6, 0.6]);
  });

  it('needs two usable rounds', () => {
    expect(standardErrorRange([0.6])).toBeNull();
    expect(standardErrorRange([0.6, 0])).toBeNull();
  });
});

describe('measurePaired', () => {
  it('alternates the order so that a steady drift of the machine cancels out', async () => {
    const calls: string[] = [];
    // The machine slows down by 10% per run: the later run of each pair is penalised.
    let speed = 1;
    const result = await measurePaired(4, async (which) => {
      calls.push(which);
      const rps = (which === 'baseline' ? 1000 : 600) * speed;
      speed *= 0.9;
      return rps;
    });
    expect(calls).toEqual([
      'baseline',
      'subject',
      'subject',
      'baseline',
      'baseline',
      'subject',
      'subject',
      'baseline',
    ]);
    expect(result.rounds.map((r) => r.first)).toEqual([
      'baseline',
      'subject',
      'baseline',
      'subject',
    ]);
    expect(result.rounds.map((r) => r.ratio)).toEqual([0.54, 0.667, 0.54, 0.667]);
    // The true ratio, 0.6, although no single round measured it.
    expect(result.value).toBe(0.6);
  });

  it("has no value when a round's baseline answered nothing", async () => {
    let n = 0;
    const result = await measurePaired(2, async (which) =>
      which === 'baseline' && n++ === 0 ? 0 : 10,
    );
    expect(result.rounds.map((r) => r.ratio)).toEqual([null, 1]);
    expect(result.value).toBeNull();
  });

  it.each([0, 1, 3, 2.5])('refuses %j rounds (the order must alternate evenly)', async (rounds) => {
    await expect(measurePaired(rounds, async () => 1)).rejects.toThrow(RangeError);
  });
});
