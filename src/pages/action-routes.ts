/**
 * `POST /id/<code>/do/<action>`: an action's form. Only a signed-in session may post (a token reader
 * or a stranger never), only from our own pages (Origin, and the session's CSRF value), and only
 * what the session's role allows. Done: the message is kept for the next page and the browser is
 * sent back to the object's page (303, so a reload does not post again). Refused: the object's page
 * again, with the form open, the values as typed and the problem next to its field.
 */
import type { Router } from 'express';
import { resolveCode } from '../commands/codes.ts';
import { execute, type CommandDeps } from '../commands/define.ts';
import { getLot } from '../commands/lots.ts';
import { flashMessage } from '../commands/sessions.ts';
import { DomainError, ValidationError } from '../domain/errors.ts';
import { roleAllows, SYSTEM_ACTOR } from '../domain/roles.ts';
import type { CodeTarget } from '../domain/types.ts';
import { DOMAIN_ERROR_STATUS } from '../http/problem.ts';
import { readPageForm } from '../http/upload.ts';
import { findAction, type ActionTarget } from './actions.ts';
import { idPath } from './format.ts';
import type { Outcome, PageCall, PageKit, PagesOptions } from './kit.ts';
import type { Refused } from './object-pages.ts';
import { signInPage } from './not-found.ts';
import { refusedPage } from './sign-in.ts';
import { FORGED } from './sign-in-routes.ts';
import { csrfMatches, formFields, sameOrigin } from './visitor.ts';

type Render = (
  call: PageCall,
  target: CodeTarget,
  cursor: undefined,
  refused: Refused | null,
) => Promise<Outcome>;

/** The field a refusal names, as the form calls it. */
function fieldOf(error: DomainError): { field: string; message: string } {
  if (error instanceof ValidationError && error.problems[0]) {
    const { field, message } = error.problems[0];
    return { field: field.split('.')[0]!, message };
  }
  const named = (error as { field?: unknown }).field;
  return { field: typeof named === 'string' ? named : '(form)', message: error.message };
}

export function actionRoutes(
  router: Router,
  deps: CommandDeps,
  kit: PageKit,
  options: PagesOptions,
  render: Render,
): void {
  router.post(
    '/id/:code/do/:action',
    kit.open(async (req, call) => {
      const { visitor, run } = call;
      const code = String(req.params.code).toUpperCase();
      const name = String(req.params.action);
      if (!visitor.session) {
        return signInPage('Signing in is needed to change anything: this form was not taken.', idPath(code));
      }
      if (!sameOrigin(req, options.publicUrl ?? ''))
        return refusedPage(403, 'Not done', FORGED, idPath(code));
      // A note with a photo arrives as multipart; every other form urlencoded.
      const multipart = Boolean(req.is('multipart/form-data'));
      let form: Record<string, string>;
      let upload: Awaited<ReturnType<typeof readPageForm>>['upload'] = null;
      if (multipart) {
        if (!options.uploads)
          return refusedPage(400, 'Not done', 'This installation takes no files.', idPath(code));
        try {
          ({ fields: form, upload } = await readPageForm(req, { _csrf: 200, text: 5_000 }, options.uploads));
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          return refusedPage(400, 'Not done', error.message, idPath(code));
        }
      } else form = formFields(req);
      const discard = async () => {
        if (upload) await options.uploads?.store.discard(upload.staged).catch(() => undefined);
      };
      if (!csrfMatches(visitor.csrf, form._csrf)) {
        await discard();
        return refusedPage(403, 'Not done', FORGED, idPath(code));
      }

      const target = await run(resolveCode, { code });
      let kind: ActionTarget;
      if (target.kind === 'lot')
        kind = (await run(getLot, { code: target.code })).serial !== null ? 'device' : 'lot';
      else if (target.kind === 'build') kind = 'build';
      else
        return refusedPage(
          404,
          'Not done',
          `There is nothing to do on a ${target.kind} here.`,
          idPath(target.code),
        );
      const action = findAction(kind, name);
      if (!action) {
        await discard();
        return refusedPage(
          404,
          'Not done',
          `A ${kind} has no action “${name.slice(0, 40)}”.`,
          idPath(target.code),
        );
      }
      if (!roleAllows(visitor.actor.role, action.command.role)) {
        await discard();
        return refusedPage(
          403,
          'Not allowed',
          `${action.title} needs the ${action.command.role} role; you are signed in as ${visitor.actor.role}.`,
          idPath(target.code),
        );
      }
      try {
        const photo = upload
          ? {
              file: upload.staged,
              filename: upload.file.filename ?? null,
              declaredType: upload.file.contentType ?? null,
            }
          : null;
        const message = await action.run(run, target.code, form, photo);
        await execute(deps, flashMessage, SYSTEM_ACTOR, { session: visitor.session.id, message });
        return { status: 303, redirect: idPath(target.code) };
      } catch (error) {
        await discard();
        if (!(error instanceof DomainError)) throw error;
        const { _csrf: _, ...values } = form;
        return render(call, target, undefined, {
          action: name,
          status: DOMAIN_ERROR_STATUS[error.kind],
          state: { values, ...fieldOf(error) },
        });
      }
    }),
  );
}
