import type { Consumption } from '../../domain/build-types.ts';
import type {
  Allocation,
  Build,
  BuildOperation,
  BuildOperationKind,
  BuildStage,
  BuildStatus,
} from '../../domain/builds.ts';
import type { Page, PageRequest } from '../../domain/page.ts';

export interface NewBuild {
  code: string;
  projectId: number;
  producedPartId: number;
  quantity: number;
  trackUnits: boolean;
  addStock: boolean;
  stages: string[];
  serialFormat: string | null;
  requestedLots: { lot: string }[];
  requestedPairing: { serial: number; units: string[] }[];
  locationCode: string | null;
  note: string | null;
  createdBy: string;
}

export interface BuildPatch {
  status?: BuildStatus;
  serialSeqStart?: number | null;
  unitsGenerated?: number;
  unitsCompleted?: number;
  unitsScrapped?: number;
  unitsCancelled?: number;
  startedAt?: 'now';
  completedAt?: 'now';
  cancelledAt?: 'now';
  startError?: Build['startError'];
  serialDate?: Date;
  blocked?: Build['blocked'];
}

export interface BuildFilter {
  projectId?: number | undefined;
  status?: BuildStatus | undefined;
  createdFrom?: string | undefined;
  createdTo?: string | undefined;
}

export interface BuildRepository {
  insert(build: NewBuild): Promise<Build>;
  findByCode(code: string, options?: { lock?: boolean }): Promise<Build | null>;
  findById(id: number, options?: { lock?: boolean }): Promise<Build | null>;
  /** The stages of the build with this id, in order (none for a build without stages). */
  stagesOf(buildId: number): Promise<BuildStage[]>;
  update(id: number, patch: BuildPatch): Promise<Build>;
  completeStage(buildId: number, position: number, actor: string, comment: string | null): Promise<void>;
  list(filter: BuildFilter, page: PageRequest): Promise<Page<Build>>;

  insertOperation(op: {
    buildId: number;
    kind: BuildOperationKind;
    params: Record<string, unknown>;
    requestedBy: string;
  }): Promise<BuildOperation>;
  /** The queued operation a person requested (start, advance, complete, cancel), if any. */
  queuedOperation(buildId: number): Promise<BuildOperation | null>;
  /** The queued unit generation of a build, if any. */
  queuedGeneration(buildId: number): Promise<BuildOperation | null>;
  /** The build's newest operation of any kind. */
  latestOperation(buildId: number): Promise<BuildOperation | null>;
  /** The newest operation of a kind that did not fail. */
  lastOperation(buildId: number, kind: BuildOperationKind): Promise<BuildOperation | null>;
  findOperation(id: number, options?: { lock?: boolean }): Promise<BuildOperation | null>;
  finishOperation(
    id: number,
    outcome: { status: 'done'; result: Record<string, unknown> } | { status: 'failed'; error: string },
  ): Promise<BuildOperation>;
  listOperations(buildId: number): Promise<BuildOperation[]>;

  recordConsumptions(buildId: number, allocations: Allocation[]): Promise<void>;
  consumptions(buildId: number): Promise<Consumption[]>;
  addReturned(consumptionId: number, quantity: number): Promise<void>;
  /** Reserves `n` consecutive values of the part's serial counter; returns the first. */
  reserveSerials(partId: number, n: number): Promise<number>;
}
