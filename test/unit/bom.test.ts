import { describe, expect, it } from 'vitest';
import { assertBomComplete } from '../../src/domain/bom.ts';
import { RuleViolation } from '../../src/domain/errors.ts';

describe('a build of an incomplete BOM (#14 item 11)', () => {
  const since = new Date('2026-12-07T05:00:00Z');
  const project = (lines: { line: number; reason: string }[] | null) => ({
    code: 'PROJECT001',
    bomIncomplete: lines && { lines, since },
  });

  it('is refused unless accepted, naming the missing lines (the first ten, then how many more)', () => {
    expect(() => assertBomComplete(project(null), false)).not.toThrow();
    const many = Array.from({ length: 12 }, (_, i) => ({ line: i + 2, reason: 'no MPN' }));
    expect(() => assertBomComplete(project(many), true)).not.toThrow();
    let error: unknown;
    try {
      assertBomComplete(project(many), false);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RuleViolation);
    expect((error as RuleViolation).message).toBe(
      'project PROJECT001 has an incomplete BOM: 12 lines of its last import were not imported (' +
        Array.from({ length: 10 }, (_, i) => `line ${i + 2}: no MPN`).join('; ') +
        '; and 2 more); import the BOM again, or accept it to build anyway (API: acceptIncompleteBom: true; Slack: /build start … incomplete)',
    );
    expect((error as RuleViolation).details).toEqual({ bomIncomplete: { lines: many, since } });
  });
});
