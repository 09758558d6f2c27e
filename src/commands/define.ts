/**
 * Commands are the use cases. Each one declares the role it needs and the schema of its input; every
 * transport (HTTP, Slack, CLI, worker) runs them through `execute`, which checks the role, parses the
 * untrusted input and opens the unit of work. No transport holds business logic of its own.
 */
import type { z } from 'zod';
import { ForbiddenError } from '../domain/errors.ts';
import { roleAllows, type Actor, type Role } from '../domain/roles.ts';
import { replicaReadAllowed } from '../request-context.ts';
import type { Repositories, Services, UnitOfWork } from './ports.ts';
import { parseWith } from './validation.ts';

export interface CommandContext {
  repos: Repositories;
  actor: Actor;
  /** Outside services (DNS checks …); only what the process was given. */
  services: Services;
}

export interface Command<S extends z.ZodType = z.ZodType, R = unknown> {
  /** camelCase use-case name, e.g. `receiveStock`. */
  name: string;
  /** One line for the API reference and `help` texts. */
  summary: string;
  /** The least role allowed to run it. */
  role: Role;
  /** `read` runs without a transaction; `write` runs in one transaction with its events. */
  mode: 'read' | 'write';
  /**
   * Where a read may be answered from (README "Read replica"). `replica`: its answer may be a few
   * seconds old (traces, lists, search), so it may use the read replica in any request. `primary`:
   * never from the replica, not even on the pages (sessions: a revoked one is out at once).
   * Unset: the primary, except where the transport says all its reads may lag (the pages). A read
   * in a request that has written, or whose reader just wrote, is always the primary's.
   */
  reads?: 'replica' | 'primary';
  input: S;
  run(ctx: CommandContext, input: z.output<S>): Promise<R>;
}

export function defineCommand<S extends z.ZodType, R>(command: Command<S, R>): Command<S, R> {
  return command;
}

export interface CommandDeps {
  uow: UnitOfWork;
  services?: Services;
}

const UNAVAILABLE: Services = {
  checkWebhookUrl: () => Promise.reject(new Error('no webhook URL checker was given to this process')),
};

function authorize(command: Command, actor: Actor): void {
  if (!roleAllows(actor.role, command.role)) {
    throw new ForbiddenError(
      `${command.name} needs the ${command.role} role; ${actor.name} is ${actor.role}`,
    );
  }
}

/** Runs a command for an actor on untrusted input. */
export async function execute<S extends z.ZodType, R>(
  deps: CommandDeps,
  command: Command<S, R>,
  actor: Actor,
  input: unknown,
): Promise<R> {
  authorize(command, actor);
  const parsed = parseWith(command.input, input);
  const services = deps.services ?? UNAVAILABLE;
  const work = (repos: Repositories) => command.run({ repos, actor, services }, parsed);
  if (command.mode === 'write') return deps.uow.transaction(work);
  const mayLag =
    command.reads !== 'primary' && replicaReadAllowed(command.reads === 'replica' ? 'declared' : 'any');
  return mayLag && deps.uow.readMayLag ? deps.uow.readMayLag(work) : deps.uow.read(work);
}

/**
 * Runs a write command as {@link execute} does, with steps of the caller's own in the same
 * transaction: `before` (e.g. a precondition checked on a locked row) and `after` (e.g. reading
 * what the command left, so that it describes exactly the state the command committed).
 */
export async function executeAround<S extends z.ZodType, R, A>(
  deps: CommandDeps,
  command: Command<S, R>,
  actor: Actor,
  input: unknown,
  around: {
    before?: (ctx: CommandContext) => Promise<void>;
    after: (ctx: CommandContext, result: R) => Promise<A>;
  },
): Promise<{ result: R; after: A }> {
  authorize(command, actor);
  const parsed = parseWith(command.input, input);
  const services = deps.services ?? UNAVAILABLE;
  return deps.uow.transaction(async (repos) => {
    const ctx = { repos, actor, services };
    await around.before?.(ctx);
    const result = await command.run(ctx, parsed);
    return { result, after: await around.after(ctx, result) };
  });
}

/**
 * Runs a command as one step of another command (a use case made of use cases), in the caller's
 * unit of work and as its actor: the role is checked and the input parsed exactly as by
 * {@link execute}, so a step refuses what the command alone would refuse.
 */
export function runWithin<S extends z.ZodType, R>(
  ctx: CommandContext,
  command: Command<S, R>,
  input: unknown,
): Promise<R> {
  authorize(command, ctx.actor);
  return command.run(ctx, parseWith(command.input, input));
}

/** Runs a command for someone (a transport's bound {@link execute}). */
export type CommandRunner = <S extends z.ZodType, R>(command: Command<S, R>, input: unknown) => Promise<R>;
