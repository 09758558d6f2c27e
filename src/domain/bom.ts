/**
 * BOM structure rules. A project's produced part may not appear anywhere below itself: a BOM that
 * contains (directly or through sub-assemblies) the very thing it produces could never be built.
 */
import { RuleViolation, ValidationError } from './errors.ts';
import type { BomIncomplete } from './types.ts';

/** `children(partId)` lists the parts that the project producing `partId` consumes (empty if none). */
export function assertNoBomCycle(
  producedPartId: number,
  lineParts: { partId: number; field: string }[],
  children: ReadonlyMap<number, readonly number[]>,
): void {
  for (const { partId, field } of lineParts) {
    const seen = new Set<number>();
    const stack = [partId];
    while (stack.length > 0) {
      const current = stack.pop()!;
      if (current === producedPartId) {
        throw ValidationError.field(
          field,
          'this part contains (or is) the part the project produces: the BOM would be circular',
        );
      }
      if (seen.has(current)) continue;
      seen.add(current);
      stack.push(...(children.get(current) ?? []));
    }
  }
}

/** Checks a BOM line's designators against its quantity (designators are optional). */
export function designatorProblem(quantityPerUnit: number, designators: readonly string[]): string | null {
  if (designators.length === 0) return null;
  const unique = new Set(designators.map((d) => d.toUpperCase()));
  if (unique.size !== designators.length) return 'lists the same designator twice';
  if (designators.length !== quantityPerUnit) {
    return `lists ${designators.length} designators for a quantity of ${quantityPerUnit}`;
  }
  return null;
}

/**
 * Refuses a build of a project whose BOM is known to lack lines, unless the request accepts that:
 * the build would leave those parts out without a word.
 */
export function assertBomComplete(
  project: { code: string; bomIncomplete: BomIncomplete | null },
  accepted: boolean,
): void {
  const missing = project.bomIncomplete;
  if (!missing || accepted) return;
  const shown = missing.lines.slice(0, 10);
  const more = missing.lines.length - shown.length;
  const which =
    missing.lines.length === 1
      ? `line ${shown[0]!.line} of its last import was not imported (${shown[0]!.reason})`
      : `${missing.lines.length} lines of its last import were not imported (${shown
          .map((l) => `line ${l.line}: ${l.reason}`)
          .join('; ')}${more > 0 ? `; and ${more} more` : ''})`;
  throw new RuleViolation(
    `project ${project.code} has an incomplete BOM: ${which}; import the BOM again, or accept it to build anyway (API: acceptIncompleteBom: true; Slack: /build start … incomplete)`,
    { bomIncomplete: missing },
  );
}
