/**
 * The public shapes of API responses. Responses are passed through these schemas, which also keeps
 * internal ids from leaking: objects are identified by their ID code.
 */
import { z } from 'zod';
import { ROLES } from '../domain/roles.ts';
import { PART_KINDS, STOCK_STATUSES, LEDGER_REASONS } from '../domain/types.ts';
import { HISTORY_KINDS } from '../domain/history.ts';
import { DEVICE_ACTIONS } from '../domain/lifecycle.ts';
import { BUILD_OPERATIONS, BUILD_OPERATION_STATUSES, BUILD_STATUSES } from '../domain/builds.ts';

/**
 * The serial list grammar (`1-20,25`) every request naming serials as text takes — one schema,
 * defined with the commands (which may not import this layer) and re-exported here.
 */
export { serialList } from '../commands/validation.ts';

const timestamp = z.iso.datetime({ offset: true });
const code = z.string().describe('ID code');
const fieldsOut = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

export const PartOut = z
  .object({
    code,
    name: z.string(),
    kind: z.enum(PART_KINDS),
    description: z.string().nullable(),
    manufacturer: z.string().nullable(),
    mpn: z.string().nullable(),
    value: z.string().nullable(),
    footprint: z.string().nullable(),
    fields: fieldsOut,
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Part' });

export const LocationOut = z
  .object({
    code,
    name: z.string(),
    description: z.string().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Location' });

export const LotOut = z
  .object({
    code,
    partCode: code,
    locationCode: code.nullable(),
    quantity: z.int(),
    reserved: z.int().describe('of the quantity, how much builds accepted for starting hold'),
    status: z.enum(STOCK_STATUSES),
    source: z.string(),
    supplier: z.string().nullable(),
    supplierOrder: z.string().nullable(),
    dateCode: z.string().nullable(),
    expiresOn: z.iso.date().nullable(),
    fields: fieldsOut,
    parentLotCode: code.nullable(),
    buildCode: code.nullable().describe('the build that made this lot'),
    serial: z.int().nullable().describe('serial number within the build, for a device'),
    serialLabel: z.string().nullable().describe('formatted serial, when the project defines a format'),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Lot' });

export const SplitOut = z.object({ parent: LotOut, lot: LotOut }).meta({ id: 'SplitResult' });

export const LedgerEntryOut = z
  .object({
    lotCode: code,
    delta: z.int(),
    quantityAfter: z.int(),
    reason: z.enum(LEDGER_REASONS),
    note: z.string().nullable(),
    actor: z.string(),
    buildCode: code.nullable(),
    createdAt: timestamp,
  })
  .meta({ id: 'LedgerEntry' });

export const BomLineOut = z
  .object({
    partCode: code,
    partName: z.string(),
    quantityPerUnit: z.int(),
    designators: z.array(z.string()),
    note: z.string().nullable(),
  })
  .meta({ id: 'BomLine' });

export const ProjectOut = z
  .object({
    code,
    name: z.string(),
    description: z.string().nullable(),
    producesPartCode: code,
    serialFormat: z.string().nullable(),
    lines: z.array(BomLineOut),
    bomIncomplete: z
      .object({
        lines: z.array(z.object({ line: z.int(), reason: z.string() })),
        since: timestamp,
      })
      .nullable()
      .describe(
        'null when the BOM is complete; else the rows of its last import(s) that were not imported (line in the file, reason): builds are refused unless they set acceptIncompleteBom',
      ),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Project' });

const rowProblem = z.object({ line: z.int(), reason: z.string() });
const importedLine = z.object({
  lines: z.array(z.int()),
  mpn: z.string(),
  part: code.nullable(),
  quantity: z.int(),
});
export const BomImportOut = z
  .object({
    project: ProjectOut.nullable().describe('null in a dry run for a project that would be created'),
    newProject: z.boolean().describe('the import created the project (in a dry run: would create it)'),
    shape: z.enum(['grouped', 'per-reference']),
    dryRun: z.boolean(),
    matched: z.array(
      importedLine.extend({
        filled: z
          .array(z.string())
          .describe(
            'what the matched part lacked and the file gave: its empty columns and new fields, kept on the part',
          ),
      }),
    ),
    created: z.array(importedLine),
    rejected: z.array(rowProblem).describe('rows not imported: the project records its BOM as incomplete'),
    skipped: z
      .array(rowProblem)
      .describe(
        'rows that are not parts: DNP, power flags, mounting holes, fiducials, test points without an MPN',
      ),
    warnings: z
      .array(rowProblem)
      .describe('rows imported with a change, e.g. look-alike characters in an MPN replaced'),
  })
  .meta({ id: 'BomImportReport' });

export const TokenOut = z
  .object({
    id: z.int(),
    name: z.string(),
    role: z.enum(ROLES),
    prefix: z.string(),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
  })
  .meta({ id: 'ApiToken' });
export const NewTokenOut = TokenOut.extend({ token: z.string().describe('the secret; shown only now') }).meta(
  {
    id: 'NewApiToken',
  },
);

export const CodeTargetOut = z
  .object({
    kind: z.enum(['part', 'location', 'lot', 'project', 'build']),
    code,
    label: z.string(),
    href: z.string().describe('API path of the object'),
  })
  .meta({ id: 'CodeTarget' });

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

const shortage = z.object({ part: code, partName: z.string(), needed: z.int(), available: z.int() });

export const ProblemOut = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });

/**
 * A 422's extension members: which ones come depends on the rule broken (see `type` and `detail`).
 * Every member a problem can carry is listed here or in the other problem schemas below.
 */
export const RuleProblemOut = ProblemOut.extend({
  shortages: z
    .array(shortage)
    .optional()
    .describe('not enough stock: every component short, with what is needed and available'),
  missingTests: z
    .array(z.object({ serial: z.int(), lot: code, tests: z.array(z.string()) }))
    .optional()
    .describe('units that lack passing required tests (at most 1,000)'),
  collisions: z
    .array(z.object({ label: z.string(), build: code.nullable() }))
    .optional()
    .describe("formatted serials the project's serial format would repeat"),
  deviceStatus: z
    .enum(STOCK_STATUSES)
    .optional()
    .describe("a lifecycle action not allowed: the device's status"),
  allowed: z.array(z.enum(DEVICE_ACTIONS)).optional().describe('the lifecycle actions allowed now'),
}).meta({ id: 'RuleProblem' });

/** A 413 for an upload: the configured limit. */
export const TooLargeProblemOut = ProblemOut.extend({
  maxBytes: z.int().optional().describe('the largest file accepted (ATTACHMENT_MAX_BYTES)'),
}).meta({ id: 'TooLargeProblem' });

/** A 500: `sha256` when a stored file failed its integrity check (`stored-file-damaged`). */
export const ServerProblemOut = ProblemOut.extend({
  sha256: z.string().optional().describe('the damaged stored file'),
}).meta({ id: 'ServerProblem' });

export const BuildStageOut = z.object({
  position: z.int(),
  name: z.string(),
  completedAt: timestamp.nullable(),
  completedBy: z.string().nullable(),
  comment: z.string().nullable(),
});

export const BuildOperationOut = z
  .object({
    id: z.int(),
    kind: z
      .enum(BUILD_OPERATIONS)
      .describe('`generate`: the units of a tracked build, requested by its start (or by a retry)'),
    params: z.record(z.string(), z.unknown()),
    status: z.enum(BUILD_OPERATION_STATUSES),
    result: z
      .record(z.string(), z.unknown())
      .nullable()
      .describe(
        'what it did; a `complete` answers `completed`, `buildCompleted`, and `skipped` — each unit it left as it was, `{serial, status, reason}` (a quarantined unit, one completed already …; the first 1,000, all counted in `skippedCount`)',
      ),
    error: z.string().nullable(),
    requestedBy: z.string(),
    createdAt: timestamp,
    finishedAt: timestamp.nullable(),
  })
  .meta({ id: 'BuildOperation' });

export const BuildOut = z
  .object({
    code,
    projectCode: code,
    projectName: z.string(),
    producedPartCode: code,
    quantity: z.int(),
    status: z
      .enum(BUILD_STATUSES)
      .describe('`blocked`: a worker gave up on its unit generation (see `blocked`); retry or cancel it'),
    trackUnits: z.boolean(),
    addStock: z.boolean(),
    stages: z.array(BuildStageOut),
    serialFormat: z.string().nullable(),
    progress: z
      .object({
        generated: z.int().describe('units made (a tracked build generates them in chunks)'),
        completed: z.int().describe('units completed (available, or moved on since)'),
        scrapped: z.int().describe('units scrapped (by serial, by code, or from quarantine)'),
        cancelled: z.int().describe('units a cancel took out unfinished (their status is `cancelled`)'),
        quantity: z.int(),
        generatedPercent: z.int().describe('generated / quantity, rounded down'),
        completedPercent: z.int().describe('completed / quantity, rounded down'),
      })
      .describe(
        "the build's counters; a tracked build's `unitCounts` (units by status) agree with them: scrapped = unitCounts.scrapped (+ disposed since), cancelled = unitCounts.cancelled",
      ),
    note: z.string().nullable(),
    locationCode: code.nullable(),
    createdBy: z.string(),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    completedAt: timestamp.nullable(),
    cancelledAt: timestamp.nullable(),
    startError: z.object({ message: z.string(), shortages: z.array(shortage).optional() }).nullable(),
    blocked: z
      .object({
        reason: z.string(),
        operation: z.enum(BUILD_OPERATIONS),
        operationId: z.int(),
        since: z.string(),
      })
      .nullable()
      .describe('why a blocked build stopped; `POST /builds/{code}/retry` continues, cancel gives up'),
  })
  .meta({ id: 'Build' });

export const SlackDeliveryOut = z
  .object({
    channel: z.string().describe('Slack channel ID it goes to'),
    status: z
      .enum(['pending', 'posted', 'failed'])
      .describe('`failed`: Slack refused it for good (see `error`); the person who asked was told'),
    error: z.string().nullable().describe("Slack's error code, e.g. `not_in_channel`, `channel_not_found`"),
    postedAt: timestamp.nullable(),
    failedAt: timestamp.nullable(),
  })
  .meta({ id: 'SlackDelivery' });

export const BuildDetailOut = BuildOut.extend({
  operations: z.array(BuildOperationOut),
  unitCounts: z.record(z.string(), z.int()).describe('tracked units by stock status'),
  reserved: z
    .array(z.object({ lotCode: code, quantity: z.int() }))
    .describe('component stock held for the build between the acceptance of its start and the start'),
  slack: SlackDeliveryOut.nullable()
    .optional()
    .describe("the build's message in Slack (null when it was not started from Slack)"),
}).meta({ id: 'BuildDetail' });

export const BuildRequestOut = z
  .object({ build: BuildOut, operation: BuildOperationOut.nullable() })
  .meta({ id: 'BuildRequest' });

export const ConsumptionOut = z
  .object({
    lotCode: code,
    partCode: code,
    partName: z.string(),
    quantity: z.int(),
    returned: z.int(),
    supplier: z.string().nullable(),
    supplierOrder: z.string().nullable(),
    dateCode: z.string().nullable(),
    serial: z.int().nullable(),
    sourceBuildCode: code.nullable(),
  })
  .meta({ id: 'Consumption' });

const SkippedUnitOut = z.object({
  serial: z.int(),
  status: z.enum(STOCK_STATUSES).nullable().describe('null: no such unit'),
  reason: z.string(),
});
export const ScrapOut = z.object({
  scrapped: z.array(z.int()),
  skipped: z.array(SkippedUnitOut).describe('the serials named that were left as they were, and why'),
});

const tracedLotFields = {
  code,
  partCode: code,
  partName: z.string(),
  status: z.enum(STOCK_STATUSES),
  quantity: z.int(),
  serial: z.int().nullable(),
  serialLabel: z.string().nullable(),
  buildCode: code.nullable(),
};

export const TraceNodeOut: z.ZodType = z
  .lazy(() =>
    z.object({
      lot: z.object({
        ...tracedLotFields,
        supplier: z.string().nullable(),
        supplierOrder: z.string().nullable(),
        dateCode: z.string().nullable(),
      }),
      build: z
        .object({
          code,
          projectName: z.string(),
          startedAt: timestamp.nullable(),
          completedAt: timestamp.nullable(),
        })
        .nullable(),
      components: z.array(
        z.object({
          quantity: z.int(),
          node: TraceNodeOut,
          installedBy: z.int().optional().describe('history event id of the repair that put this lot in'),
        }),
      ),
      contains: z.array(TraceNodeOut),
      truncated: z.boolean().optional(),
    }),
  )
  .meta({ id: 'TraceNode' });

export const ForwardTraceOut = z
  .object({
    lot: z.object({ code, partCode: code }),
    total: z.int().describe('lots reached (after filters)'),
    byStatus: z.record(z.string(), z.int()),
    builds: z.array(z.object({ code, projectName: z.string(), depth: z.int(), affected: z.int() })),
    items: z.array(
      z.object({
        ...tracedLotFields,
        locationCode: code.nullable(),
        customer: z.string().nullable().describe("the device's latest shipment"),
        depth: z.int(),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'ForwardTrace' });

export const RecallOut = z
  .object({
    id: z.int(),
    lotCode: code,
    filter: z.record(z.string(), z.unknown()),
    reason: z.string(),
    status: z.enum(['queued', 'done', 'failed']),
    error: z.string().nullable().describe('why the report could not be written (status failed)'),
    devices: z.int().nullable(),
    report: z.string().nullable().describe('download path of the CSV report, once ready'),
    requestedBy: z.string(),
    createdAt: timestamp,
    finishedAt: timestamp.nullable(),
  })
  .meta({ id: 'Recall' });

export const LabelRunOut = z
  .object({
    id: z.int(),
    template: z.string(),
    source: z.record(z.string(), z.unknown()).describe('what is printed'),
    total: z.int(),
    done: z.int(),
    percent: z.int(),
    status: z.enum(['queued', 'rendering', 'done', 'failed']),
    pages: z.int().nullable(),
    bytes: z.int().nullable(),
    error: z.string().nullable(),
    download: z.string().nullable().describe('path of the PDF once done'),
    requestedBy: z.string(),
    dpi: z.int().describe('printer resolution the PDF is laid out for'),
    publicUrl: z
      .string()
      .nullable()
      .describe("where the labels' 2D codes point (`<publicUrl>/id/<code>`): PUBLIC_URL when requested"),
    warnings: z
      .array(z.string())
      .describe(
        'what may make the labels useless though they print, e.g. codes pointing at a loopback PUBLIC_URL (localhost) that no scanner can open',
      ),
    createdAt: timestamp,
    finishedAt: timestamp.nullable(),
    slack: SlackDeliveryOut.nullable()
      .optional()
      .describe('the PDF upload to Slack, when the run was asked for from Slack (`GET /labels/{id}` only)'),
  })
  .meta({ id: 'LabelRun' });

export const LabelTemplateOut = z
  .object({
    name: z.string(),
    description: z.string(),
    symbology: z.enum(['qr', 'datamatrix']),
    labelsPerPage: z.int(),
    dpi: z.int().describe('default printer resolution (the first of `dpis`)'),
    dpis: z
      .array(z.int())
      .describe('printer resolutions the template is laid out for; a run may ask for any'),
  })
  .meta({ id: 'LabelTemplate' });

export const WebhookEndpointOut = z
  .object({
    id: z.int(),
    url: z.string(),
    description: z.string().nullable(),
    eventTypes: z.array(z.string()),
    status: z.enum(['active', 'disabled']),
    disabledReason: z.string().nullable(),
    disabledAt: timestamp.nullable(),
    failingSince: timestamp.nullable(),
    secrets: z
      .array(z.object({ prefix: z.string(), expiresAt: z.string().nullable() }))
      .describe('active secrets, newest first, by prefix'),
    createdBy: z.string(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'WebhookEndpoint' });

export const WebhookEndpointWithSecretOut = WebhookEndpointOut.extend({
  secret: z.string().describe('the new signing secret (whsec_…); shown only now'),
}).meta({ id: 'WebhookEndpointWithSecret' });

export const WebhookDeliveryOut = z
  .object({
    id: z.int(),
    messageId: z.string().describe('the webhook-id header: the same on every attempt'),
    endpointId: z.int(),
    eventType: z.string(),
    status: z.enum(['pending', 'retrying', 'succeeded', 'failed', 'cancelled']),
    attempts: z.int(),
    nextAttemptAt: timestamp.nullable(),
    lastStatusCode: z.int().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'WebhookDelivery' });

export const WebhookRedeliveryOut = WebhookDeliveryOut.extend({
  nextAttemptAt: timestamp.nullable().describe('now: the redelivery is due at once'),
  redelivery: z
    .object({
      attempt: z.int().describe('the number the queued attempt gets in the attempt log'),
    })
    .describe('the attempt this request queued (or found due); `status` moves when it is recorded'),
}).meta({ id: 'WebhookRedelivery' });

export const WebhookDeliveryDetailOut = WebhookDeliveryOut.extend({
  body: z.string().describe('the exact body sent'),
  attemptLog: z.array(
    z.object({
      number: z.int(),
      manual: z.boolean(),
      startedAt: timestamp,
      durationMs: z.int(),
      statusCode: z.int().nullable(),
      responseExcerpt: z.string().nullable(),
      error: z.string().nullable(),
      outcome: z.string(),
    }),
  ),
}).meta({ id: 'WebhookDeliveryDetail' });

export const SlackUserOut = z
  .object({
    user: z.string().describe('Slack user ID'),
    role: z.enum(ROLES),
    name: z.string().nullable(),
    updatedBy: z.string(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'SlackUser' });

// Device history, test stations and attachments

export const AttachmentOut = z
  .object({
    id: z.int(),
    filename: z.string().describe('cleaned file name'),
    mediaType: z.string().describe('read from the bytes, not from the name'),
    bytes: z.int(),
    sha256: z.string().describe('SHA-256 of the bytes; identical files are stored once'),
    target: z
      .object({ lot: code.nullable(), build: code.nullable(), event: z.int().nullable() })
      .describe('what it is attached to: a lot, a build, or a history event (of lot)'),
    note: z.string().nullable(),
    uploadedBy: z.string(),
    createdAt: timestamp,
    download: z.string().describe('path of the file'),
  })
  .meta({ id: 'Attachment' });

export const HistoryItemOut = z
  .object({
    id: z.int(),
    kind: z.enum(HISTORY_KINDS),
    summary: z.string().describe('one human line'),
    actor: z.string(),
    occurredAt: timestamp.describe('when it was recorded'),
    data: z.record(z.string(), z.unknown()).describe("the event's fields, by kind"),
    corrects: z.int().nullable().describe('the event this correction refers to'),
    correctedBy: z.array(z.int()).describe('corrections recorded against this event'),
    attachments: z.array(AttachmentOut),
  })
  .meta({ id: 'HistoryEvent' });

export const TestResultOut = z
  .object({
    index: z.int().describe('position in the request'),
    event: z.int().describe('history event id'),
    lot: code,
    build: code.nullable(),
    serial: z.int().nullable(),
    test: z.string(),
    passed: z.boolean(),
    required: z.boolean().describe("the unit's project requires this test"),
    quarantined: z.boolean().describe('this failure quarantined the unit'),
  })
  .meta({ id: 'TestResult' });

export const BulkTestResultsOut = z
  .object({
    recorded: z.int(),
    failed: z.int(),
    quarantined: z.int(),
    items: z.array(TestResultOut),
  })
  .meta({ id: 'BulkTestResults' });

export const DeviceMoveOut = z
  .object({ lot: LotOut, event: z.int().describe('the history event recorded') })
  .meta({ id: 'DeviceMove' });

export const DeviceLifecycleOut = z
  .object({
    code,
    status: z.enum(STOCK_STATUSES),
    isDevice: z.boolean().describe('a unit with a serial number (lots keep the plain stock statuses)'),
    heldBy: code.nullable().describe('the device this unit sits in'),
    statusBeforeQuarantine: z.enum(STOCK_STATUSES).nullable(),
    repairedSinceReturn: z.boolean().nullable().describe('for a returned device'),
    allowed: z.array(z.enum(DEVICE_ACTIONS)).describe('lifecycle actions allowed now'),
  })
  .meta({ id: 'DeviceLifecycle' });

export const RequiredTestsOut = z
  .object({ project: code, tests: z.array(z.string()) })
  .meta({ id: 'RequiredTests' });

const strandedWork = z.object({
  subject: z
    .string()
    .describe('`build_operation:12`, `label_run:3`, `recall:7`, `webhook_delivery:9`, `event_fanout:<job>`'),
  describe: z.string(),
  job: z.string(),
  carrierJobId: z.string().describe('the queue job that should carry it'),
  carrierState: z.string().describe('what the queue says of that job: missing, failed or completed'),
  carrierReason: z.string().nullable(),
  action: z.enum(['redrive', 'settle']),
  cause: z.enum(['missing', 'failed', 'completed']),
  detail: z.string(),
  progress: z.int(),
  redrivesWithoutProgress: z.int(),
  since: timestamp,
  outcome: z.enum(['done', 'skipped', 'error']).nullable(),
});
const strandedReport = z.object({
  ran: z.boolean(),
  at: timestamp,
  ms: z.int(),
  stranded: z.array(strandedWork),
});

export const WorkReportOut = z
  .object({
    problems: z.int().describe('stranded work plus broken rules: 0 when all is well'),
    inFlight: z.record(z.string(), z.int()).describe('subjects in flight, by source'),
    stranded: strandedReport.nullable(),
    invariants: z
      .array(
        z.object({
          name: z.string(),
          description: z.string(),
          violations: z.int(),
          examples: z.array(z.string()),
        }),
      )
      .nullable(),
    awaitingAction: z.array(
      z.object({
        subject: z.string(),
        describe: z.string(),
        reason: z.string().nullable(),
        since: timestamp,
      }),
    ),
    recentActions: z.array(
      z.object({
        subject: z.string(),
        job: z.string(),
        action: z.enum(['redrive', 'settle']),
        cause: z.enum(['missing', 'failed', 'completed', 'retry']),
        baseJobId: z.string(),
        jobId: z.string().nullable(),
        detail: z.string().nullable(),
        progress: z.int(),
        actor: z.string(),
        createdAt: timestamp,
      }),
    ),
  })
  .meta({ id: 'WorkReport' });

export const ReconcileOut = WorkReportOut.extend({ pass: strandedReport }).meta({ id: 'ReconcileReport' });
