import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.js';

describe('progress', () => {
  it('draws one self-overwriting line on a terminal, throttled, and clears it', () => {
    let written = '';
    let t = 0;
    const progress = createProgress({ write: (s) => void (written += s) }, true, () => t, 100);
    progress.update('a');
    t = 50;
    progress.update('b'); // throttled
    t = 150;
    progress.update('c');
    progress.done();
    expect(written).toBe('\r\u001b[2Ka\r\u001b[2Kc\r\u001b[2K');
  });

  it('is silent without a terminal or when output is JSON', () => {
    let written = '';
    const tty = { write: (s: string) => void (written += s) };
    createProgress(undefined, true).update('x');
    const json = createProgress(tty, false);
    json.update('x');
    json.done();
    expect(written).toBe('');
  });
});
