import type { CodeTarget } from '../../domain/types.ts';

export interface IdCodeAllocator {
  /** `n` fresh ID codes, unique across every kind of object. */
  allocate(n: number): Promise<string[]>;
}

export interface CodeDirectory {
  resolve(code: string): Promise<CodeTarget | null>;
}
