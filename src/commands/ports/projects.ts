import type { Page, PageRequest } from '../../domain/page.ts';
import type { BomIncomplete, BomLine, Project } from '../../domain/types.ts';

export interface NewBomLine {
  partId: number;
  quantityPerUnit: number;
  designators: string[];
  note?: string | null | undefined;
}
export interface NewProject {
  code: string;
  name: string;
  description?: string | null | undefined;
  producesPartId: number;
  serialFormat?: string | null | undefined;
}
export interface ProjectRepository {
  insert(project: NewProject): Promise<Project>;
  update(id: number, patch: Partial<Omit<NewProject, 'code'>>): Promise<Project>;
  delete(id: number): Promise<void>;
  findByCode(code: string, options?: { lock?: boolean }): Promise<Project | null>;
  findByName(name: string): Promise<Project | null>;
  findById(id: number): Promise<Project | null>;
  list(page: PageRequest): Promise<Page<Project>>;
  /**
   * Replaces every BOM line of the project. The BOM is recorded as complete unless `bomIncomplete`
   * says which lines are missing.
   */
  replaceLines(
    projectId: number,
    lines: NewBomLine[],
    bomIncomplete?: BomIncomplete | null,
  ): Promise<Project>;
  /** The BOM lines of the project the build with this id makes, in BOM order. */
  linesOfBuild(buildId: number): Promise<BomLine[]>;
  /** For every part some project produces: the parts its BOM consumes. */
  bomChildren(): Promise<Map<number, number[]>>;
}
