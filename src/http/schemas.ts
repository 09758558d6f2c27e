/**
 * The public shapes of API responses. Responses are passed through these schemas, which also keeps
 * internal ids from leaking: objects are identified by their ID code.
 *
 * Each aggregate's schemas live in `schemas/<aggregate>.ts`, their status enums taken from the
 * domain's lists, with a compile-time check that each names the same fields as its domain record.
 * This module gathers them.
 */

/**
 * The serial list grammar (`1-20,25`) every request naming serials as text takes — one schema,
 * defined with the commands (which may not import this layer) and re-exported here.
 */
export { serialList } from '../commands/validation.ts';

// In the order the document lists its components.
export { pageOf } from './schemas/common.ts';
export * from './schemas/parts.ts';
export * from './schemas/locations.ts';
export * from './schemas/lots.ts';
export * from './schemas/projects.ts';
export * from './schemas/sessions.ts';
export * from './schemas/tokens.ts';
export * from './schemas/codes.ts';
export * from './schemas/problems.ts';
export * from './schemas/builds.ts';
export * from './schemas/trace.ts';
export * from './schemas/recalls.ts';
export * from './schemas/shipments.ts';
export * from './schemas/labels.ts';
export * from './schemas/printers.ts';
export * from './schemas/slack.ts';
export * from './schemas/webhooks.ts';
export * from './schemas/slack-users.ts';
export * from './schemas/attachments.ts';
export * from './schemas/history.ts';
export * from './schemas/work.ts';
export * from './schemas/identifiers.ts';
