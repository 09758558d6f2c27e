import { describe, expect, it } from 'vitest';
import { compileSerialFormat } from '../../src/domain/serial-format.ts';

describe('serial formats', () => {
  const date = new Date(Date.UTC(2026, 10, 29)); // Sunday 29 November 2026, ISO week 48

  it('renders sequence and date placeholders', () => {
    expect(compileSerialFormat('PX-{yy}{ww}-{seq:05}').render(42, date)).toBe('PX-2648-00042');
    expect(compileSerialFormat('{yyyy}/{mm}/{dd}#{seq}').render(7, date)).toBe('2026/11/29#7');
    expect(compileSerialFormat('SN{seq:03}').render(123456, date)).toBe('SN123456');
  });

  it('uses ISO weeks across year ends', () => {
    expect(compileSerialFormat('{ww}-{seq}').render(1, new Date(Date.UTC(2027, 0, 1)))).toBe('53-1');
    expect(compileSerialFormat('{ww}-{seq}').render(1, new Date(Date.UTC(2025, 11, 29)))).toBe('01-1');
  });

  it.each([
    ['PX-{yy}', 'must contain {seq} exactly once'],
    ['{seq}-{seq}', 'must contain {seq} exactly once'],
    ['{seq}{hour}', 'unknown placeholder {hour}'],
    ['A{seq}<script>', 'may only use'],
    ['{yy:2}{seq}', 'takes no width'],
    ['', 'must have 1 to 64 characters'],
  ])('refuses %s', (source, message) => {
    expect(() => compileSerialFormat(source)).toThrow(message);
  });
});
