/**
 * BOM import as an operator meets it (#14 items 10–14): a mistyped project code, a partial import
 * and the builds that follow it, mounting holes and fiducials, LCSC-only BOMs, and the data a
 * KiCad export carries. Through the API and the CLI, on a real database.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { ID_CODE_ALPHABET, IdCodeGenerator } from '../../src/domain/id-code.ts';
import { factories } from '../factories.ts';
import { createTestContext, databaseFingerprint, type TestContext } from '../helpers/context.ts';
import { ROOT } from '../helpers/processes.ts';

let ctx: TestContext;
let f: ReturnType<typeof factories>;
const fixturePath = (name: string) => new URL(`../fixtures/${name}`, import.meta.url).pathname;
const fixture = (name: string) => readFileSync(fixturePath(name), 'utf8');
const incompleteOf = (res: { body: Record<string, unknown> }) =>
  (res.body.project as { bomIncomplete: { lines: unknown[] } | null }).bomIncomplete;

beforeAll(async () => {
  ctx = await createTestContext();
  f = factories({ uow: ctx.uow });
});
afterAll(async () => ctx?.close());

/** `buildtrace …` as an operator runs it on the context's database: exit code and output. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', DATABASE_URL: ctx.databaseUrl, LOG_LEVEL: 'silent' };
  return promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/main/cli.ts', ...args], {
    cwd: ROOT,
    env,
  }).then(
    (ok) => ({ code: 0, ...ok }),
    (failed: { code: number; stdout: string; stderr: string }) => failed,
  );
}

/** The code with one character changed (the check character catches it). */
function substituted(code: string, at: number): string {
  const other = ID_CODE_ALPHABET[(ID_CODE_ALPHABET.indexOf(code[at]!) + 7) % ID_CODE_ALPHABET.length]!;
  return code.slice(0, at) + other + code.slice(at + 1);
}
/** The code with two different neighbours swapped. */
function swapped(code: string): string {
  const at = [...code].findIndex((c, i) => i + 1 < code.length && c !== code[i + 1]);
  return code.slice(0, at) + code[at + 1] + code[at] + code.slice(at + 2);
}

describe('the project an import goes into (#14 item 10)', () => {
  it('answers a mistyped project code on the CLI with "did you mean", creating nothing, even with --new-project', async () => {
    const project = await f.project({ name: 'Motor controller' });
    const before = await databaseFingerprint(ctx);
    for (const typo of [substituted(project.code, 4), swapped(project.code)]) {
      for (const extra of [[], ['--new-project']]) {
        const res = await cli('import-bom', '--project', typo, ...extra, fixturePath('kicad8-grouped.csv'));
        expect(res.code, res.stdout).toBe(1);
        expect(res.stderr).toContain(`did you mean ${project.code} (project 'Motor controller')?`);
        expect(res.stdout).not.toMatch(/new/);
      }
    }
    expect(await databaseFingerprint(ctx)).toBe(before);
  }, 120_000);

  it('creates a project from the CLI only when asked to (--new-project); a known name or code imports into it', async () => {
    const before = await databaseFingerprint(ctx);
    const refused = await cli('import-bom', '--project', 'Dimmer board', fixturePath('kicad8-grouped.csv'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      "--project: no project is named 'Dimmer board'; add --new-project to create it",
    );
    expect(await databaseFingerprint(ctx)).toBe(before);

    const created = await cli(
      'import-bom',
      '--project',
      'Dimmer board',
      '--new-project',
      fixturePath('kicad8-grouped.csv'),
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^project Dimmer board \(\w{10}\), created: 0 matched, 8 created/);
    const code = /\((\w{10})\)/.exec(created.stdout)![1]!;

    const byName = await cli('import-bom', '--project', 'Dimmer board', fixturePath('kicad8-grouped.csv'));
    expect(byName.stdout).toMatch(new RegExp(`^project Dimmer board \\(${code}\\): 8 matched, 0 created`));
    const byCode = await cli(
      'import-bom',
      '--project',
      code.toLowerCase(),
      fixturePath('kicad8-grouped.csv'),
    );
    expect(byCode.code).toBe(0);
    // Asking to create a project whose name is taken is refused, not an import into it.
    const again = await cli(
      'import-bom',
      '--project',
      'Dimmer board',
      '--new-project',
      fixturePath('kicad8-grouped.csv'),
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`a project named 'Dimmer board' already exists (${code})`);
  }, 120_000);

  it('takes a typo of a code without digits for a typo, not a name (a code one slip away exists)', async () => {
    // About one code in forty has no digit; such a project's code is given to this one.
    const generator = new IdCodeGenerator(randomBytes(32));
    let lettersOnly = '';
    for (let n = 1; !lettersOnly; n++)
      if (!/\d/.test(generator.codeFor(n))) lettersOnly = generator.codeFor(n);
    const project = await f.project({ name: 'Letters only' });
    await ctx.db('projects').where({ code: project.code }).update({ code: lettersOnly });
    // One letter keyed for another: still no digit, so it reads like a word.
    const letters = ID_CODE_ALPHABET.replace(/\d/g, '');
    const other = letters[(letters.indexOf(lettersOnly[4]!) + 1) % letters.length]!;
    const typo = lettersOnly.slice(0, 4) + other + lettersOnly.slice(5);
    const res = await ctx.api('POST', '/api/v1/bom-imports', {
      body: { projectName: typo, createProject: true, csv: fixture('kicad8-grouped.csv') },
    });
    expect(res.status, res.text).toBe(400);
    expect(res.body.errors).toEqual([
      expect.objectContaining({
        field: 'projectName',
        message: expect.stringContaining(`did you mean ${lettersOnly}`),
      }),
    ]);
  });

  it('refuses the same through the API: 400 with suggestions for a typo, 404 for an unknown name, 409 for a taken one', async () => {
    const project = await f.project({ name: 'Fan controller' });
    const typo = substituted(project.code, 2);
    const before = await databaseFingerprint(ctx);
    const csv = fixture('kicad8-grouped.csv');

    const asName = await ctx.api('POST', '/api/v1/bom-imports', {
      body: { projectName: typo, createProject: true, csv },
    });
    expect(asName.status).toBe(400);
    expect(asName.body.errors).toEqual([
      {
        field: 'projectName',
        message: `'${typo}' is an ID code with a typo, not a name: did you mean ${project.code} (project 'Fan controller')?`,
      },
    ]);
    const asPath = await ctx.api('POST', `/api/v1/projects/${swapped(project.code)}/bom`, { body: { csv } });
    expect(asPath.status).toBe(400);
    expect(asPath.body.errors).toEqual([
      {
        field: 'project',
        message: expect.stringContaining(`did you mean ${project.code} (project 'Fan controller')?`),
      },
    ]);
    const unknown = await ctx.api('POST', '/api/v1/bom-imports', {
      body: { projectName: 'Pump board', csv },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toBe(
      "projectName: no project is named 'Pump board'; set createProject: true to create it",
    );
    expect(await databaseFingerprint(ctx)).toBe(before);

    const created = await ctx.api('POST', '/api/v1/bom-imports', {
      body: { projectName: 'Pump board', createProject: true, csv },
    });
    expect(created.status, created.text).toBe(200);
    expect(created.body.project).toMatchObject({ name: 'Pump board' });
    const twice = await ctx.api('POST', '/api/v1/bom-imports', {
      body: { projectName: 'Pump board', createProject: true, csv },
    });
    expect(twice.status).toBe(409);
    expect(await ctx.db('projects').where({ name: 'Pump board' })).toHaveLength(1);
    const into = await ctx.api('POST', '/api/v1/bom-imports', { body: { projectName: 'Pump board', csv } });
    expect(into.status).toBe(200);
    expect((into.body.matched as unknown[]).length).toBe(8);
  });
});

describe('a project name shaped like an ID code (#14 item 10)', () => {
  it('is refused when a project is created or renamed, with 400 naming name', async () => {
    const project = await f.project();
    const before = await databaseFingerprint(ctx);
    const created = await ctx.api('POST', '/api/v1/projects', { body: { name: 'MS7P4BZKQF' } });
    expect(created.status).toBe(400);
    expect(created.body.errors).toEqual([
      {
        field: 'name',
        message:
          "'MS7P4BZKQF' looks like an ID code: a project's name must not, or a mistyped code could be taken for it",
      },
    ]);
    const renamed = await ctx.api('PATCH', `/api/v1/projects/${project.code}`, {
      body: { name: swapped(project.code) },
    });
    expect(renamed.status).toBe(400);
    expect(await databaseFingerprint(ctx)).toBe(before);
    expect((await ctx.api('POST', '/api/v1/projects', { body: { name: 'ESP32-Board' } })).status).toBe(201);
  });
});

describe('imports racing for one project', () => {
  it('run one after the other, whether the project is named by code or by name', async () => {
    const project = await f.project({ name: 'Racing board' });
    const csv = fixture('kicad8-grouped.csv');
    const answers = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        ctx.api('POST', '/api/v1/bom-imports', {
          body: i % 2 ? { project: project.code, csv } : { projectName: 'Racing board', csv },
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect((await ctx.api('GET', `/api/v1/projects/${project.code}`)).body.lines).toHaveLength(8);
    expect(await ctx.db('parts').where({ mpn: 'ESP32-C3-MINI-1-N4' })).toHaveLength(1);
  });
});

describe('a partial import (#14 item 11)', () => {
  /** A project whose BOM names two stocked parts, and a CSV of it whose capacitor line has no MPN. */
  async function stockedProject() {
    const mcu = await f.part({ name: 'MCU' });
    const resistor = await f.part({ name: 'Resistor' });
    await f.lot({ part: mcu.code, quantity: 50 });
    await f.lot({ part: resistor.code, quantity: 50 });
    const project = await f.project();
    const partial = `Reference,Value,MPN\nR1,10k,${resistor.mpn}\nC1,100n,\nU1,MCU,${mcu.mpn}\n`;
    return { project, partial, complete: partial.replace('C1,100n,', `C1,100n,${mcu.mpn}-CAP`) };
  }

  it('records on the project that its BOM is incomplete and why; a build of it is refused unless accepted', async () => {
    const { project, partial } = await stockedProject();
    const res = await ctx.api('POST', `/api/v1/projects/${project.code}/bom`, { body: { csv: partial } });
    expect(res.status, res.text).toBe(200);
    const incomplete = {
      lines: [{ line: 3, reason: 'no MPN: the part cannot be matched or created' }],
      since: expect.any(String),
    };
    expect(res.body.project).toMatchObject({ bomIncomplete: incomplete });
    expect((await ctx.api('GET', `/api/v1/projects/${project.code}`)).body.bomIncomplete).toEqual(incomplete);
    // The project's page says so too.
    const page = await fetch(`${ctx.url}/id/${project.code}`, {
      headers: { authorization: `Bearer ${ctx.tokens.viewer}` },
    });
    const pageText = (await page.text()).replace(/\s+/g, ' ');
    expect(pageText).toContain('Incomplete: 1 line of the last import was not imported');
    expect(pageText).toContain('Line 3: no MPN: the part cannot be matched or created');

    const before = await databaseFingerprint(ctx);
    const refused = await ctx.api('POST', '/api/v1/builds', { body: { project: project.code, quantity: 2 } });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toBe(
      `project ${project.code} has an incomplete BOM: line 3 of its last import was not imported (no MPN: the part cannot be matched or created); import the BOM again, or accept it to build anyway (API: acceptIncompleteBom: true; Slack: /build start … incomplete)`,
    );
    expect(refused.body.bomIncomplete).toEqual(incomplete);
    expect(await databaseFingerprint(ctx)).toBe(before);

    // The same import again: the record stays as it was, since the first time.
    const again = await ctx.api('POST', `/api/v1/projects/${project.code}/bom`, { body: { csv: partial } });
    expect(incompleteOf(again)).toEqual(incompleteOf(res));

    const accepted = await ctx.api('POST', '/api/v1/builds', {
      body: { project: project.code, quantity: 2, acceptIncompleteBom: true },
    });
    expect(accepted.status, accepted.text).toBe(201);
  });

  it('a dry run leaves the record alone; a merge keeps it; a clean replace import or new lines clear it', async () => {
    const { project, partial, complete } = await stockedProject();
    const dry = await ctx.api('POST', `/api/v1/projects/${project.code}/bom`, {
      body: { csv: partial, dryRun: true },
    });
    expect(incompleteOf(dry)).toBeNull();
    await ctx.api('POST', `/api/v1/projects/${project.code}/bom`, { body: { csv: partial } });
    const merged = await ctx.api('POST', `/api/v1/projects/${project.code}/bom?mode=merge`, {
      body: 'Reference,MPN\nD1,LED-GREEN-0603\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(incompleteOf(merged)?.lines).toEqual([
      { line: 3, reason: 'no MPN: the part cannot be matched or created' },
    ]);
    const fixed = await ctx.api('POST', `/api/v1/projects/${project.code}/bom`, { body: { csv: complete } });
    expect(fixed.body.rejected).toEqual([]);
    expect(incompleteOf(fixed)).toBeNull();

    await ctx.api('POST', `/api/v1/projects/${project.code}/bom`, { body: { csv: partial } });
    const lines = (fixed.body.project as { lines: { partCode: string; quantityPerUnit: number }[] }).lines;
    const put = await ctx.api('PUT', `/api/v1/projects/${project.code}/lines`, {
      body: { lines: lines.map((l) => ({ part: l.partCode, quantity: l.quantityPerUnit })) },
    });
    expect(put.status, put.text).toBe(200);
    expect(put.body.bomIncomplete).toBeNull();
  });

  it('the CLI exits 2 and says the BOM is incomplete when lines were rejected', async () => {
    const { project } = await stockedProject();
    const res = await cli('import-bom', '--project', project.code, fixturePath('kicad-malformed.csv'));
    expect(res.code).toBe(2);
    expect(res.stdout).toContain('line 3: rejected — no MPN');
    expect(res.stdout).toContain(
      `the BOM of ${project.code} is incomplete (5 lines not imported): builds are refused unless they accept it`,
    );
  }, 120_000);
});

describe('what a KiCad export carries (#14 items 12–14)', () => {
  it('skips non-parts, takes the MPN from the named columns, keeps the columns as part fields, normalises look-alikes', async () => {
    const project = await f.project();
    const loop = await f.part({ name: 'Test loop', mpn: '5015', fields: { Drawer: '4' } });
    const res = await ctx.api('POST', `/api/v1/projects/${project.code}/bom?mpnColumns=MPN,LCSC`, {
      body: fixture('kicad8-lcsc-fields.csv'),
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.rejected).toEqual([]);
    expect((res.body.skipped as { line: number; reason: string }[]).map((s) => s.reason)).toEqual([
      'marked do-not-populate',
      'mounting hole, not a part (no MPN)',
      'mechanical item, not a part (no MPN)',
      'fiducial, not a part (no MPN)',
      'test point, not a part (no MPN)',
    ]);
    expect(res.body.warnings).toEqual([
      {
        line: 7,
        reason:
          "MPN 'LM4041DIM3\u22121.2/NOPB' had look-alike characters (U+2212 as '-'): imported as 'LM4041DIM3-1.2/NOPB'",
      },
    ]);
    expect(incompleteOf(res)).toBeNull();
    const created = res.body.created as { mpn: string; part: string }[];
    expect(created.map((c) => c.mpn)).toContain('C72043');
    const part = async (mpn: string) =>
      (await ctx.api('GET', `/api/v1/parts/${created.find((c) => c.mpn === mpn)!.part}`)).body;
    expect(await part('TPS62840DLCR')).toMatchObject({
      description: 'High-efficiency step-down converter',
      fields: {
        Datasheet: 'https://www.ti.com/lit/ds/symlink/tps62840.pdf',
        Characteristics: '1.8-6.5V in, 750mA',
        LCSC: 'C2163446',
      },
    });
    expect(await part('LM4041DIM3-1.2/NOPB')).toMatchObject({ mpn: 'LM4041DIM3-1.2/NOPB' });

    // A part matched by MPN gains what it lacked, and the answer says what; nothing is overwritten.
    expect((res.body.matched as { mpn: string }[]).find((m) => m.mpn === '5015')).toEqual({
      lines: [12],
      mpn: '5015',
      part: loop.code,
      quantity: 1,
      filled: ['manufacturer', 'value', 'footprint', 'description', 'Datasheet', 'LCSC'],
    });
    expect((await ctx.api('GET', `/api/v1/parts/${loop.code}`)).body).toMatchObject({
      name: 'Test loop',
      manufacturer: 'Keystone',
      description: 'test point loop',
      fields: {
        Drawer: '4',
        Datasheet: 'https://www.keyelco.com/userAssets/file/M65p55.pdf',
        LCSC: 'C238130',
      },
    });

    // The same file again matches the normalised MPN instead of creating a second part.
    const again = await ctx.api(
      'POST',
      `/api/v1/projects/${project.code}/bom?mpnColumns=MPN&mpnColumns=LCSC`,
      {
        body: fixture('kicad8-lcsc-fields.csv'),
        headers: { 'content-type': 'text/csv' },
      },
    );
    expect(again.body.created).toEqual([]);
    expect((again.body.matched as { filled: string[] }[]).every((m) => m.filled.length === 0)).toBe(true);
  });

  it('refuses a BOM without an MPN column unless the request names one; an unknown column is a 400 that changes nothing', async () => {
    const before = await databaseFingerprint(ctx);
    const csv = fixture('jlcpcb-lcsc-only.csv');
    const none = await ctx.api('POST', '/api/v1/bom-imports', {
      body: { projectName: 'JLC board', createProject: true, csv },
    });
    expect(none.status).toBe(400);
    expect((none.body.errors as { message: string }[])[0]!.message).toContain(
      'name the column to use with mpnColumns',
    );
    const wrong = await ctx.api('POST', '/api/v1/bom-imports', {
      body: { projectName: 'JLC board', createProject: true, csv, mpnColumns: ['LCSC'] },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors).toEqual([
      {
        field: 'mpnColumns.0',
        message: "no column 'LCSC' in the file (its columns: Comment, Designator, Footprint, LCSC Part #)",
      },
    ]);
    expect(await databaseFingerprint(ctx)).toBe(before);

    const ok = await ctx.api('POST', '/api/v1/bom-imports', {
      body: {
        projectName: 'JLC board',
        createProject: true,
        csv,
        mpnColumns: ['LCSC Part #'],
        supplierColumns: ['Comment'],
      },
    });
    expect(ok.status, ok.text).toBe(200);
    expect((ok.body.created as unknown[]).length).toBe(3);
    expect(ok.body.rejected).toEqual([{ line: 5, reason: 'no MPN (column LCSC Part # is empty)' }]);
    const part = (await ctx.api('GET', `/api/v1/parts/${(ok.body.created as { part: string }[])[0]!.part}`))
      .body;
    expect(part).toMatchObject({ mpn: 'C14663', fields: { 'LCSC Part #': 'C14663', Comment: '100nF' } });
  });
});
