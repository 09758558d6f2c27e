import type { Page, PageRequest } from '../../domain/page.ts';
import type { Location } from '../../domain/types.ts';

export interface NewLocation {
  code: string;
  name: string;
  description?: string | null | undefined;
}
export interface LocationRepository {
  insert(location: NewLocation): Promise<Location>;
  update(id: number, patch: Partial<Omit<NewLocation, 'code'>>): Promise<Location>;
  delete(id: number): Promise<void>;
  findByCode(code: string): Promise<Location | null>;
  list(page: PageRequest): Promise<Page<Location>>;
}
