import { MAX_BOM_CSV_CHARACTERS, importBom } from '../../commands/bom-import.ts';
import * as projects from '../../commands/projects.ts';
import { bodyBytesForText, route } from '../route.ts';
import { BomImportOut, ProjectOut, pageOf } from '../schemas.ts';

const tag = 'Projects';
export const projectRoutes = [
  route({
    method: 'get',
    path: '/projects',
    tag,
    command: projects.listProjects,
    response: pageOf(ProjectOut),
  }),
  route({
    method: 'post',
    path: '/projects',
    tag,
    command: projects.createProject,
    status: 201,
    response: ProjectOut,
  }),
  route({
    method: 'get',
    path: '/projects/{code}',
    tag,
    command: projects.getProject,
    response: ProjectOut,
    versioned: 'projects',
  }),
  route({
    method: 'patch',
    path: '/projects/{code}',
    tag,
    command: projects.updateProject,
    response: ProjectOut,
  }),
  route({ method: 'delete', path: '/projects/{code}', tag, command: projects.deleteProject, status: 204 }),
  route({
    method: 'put',
    path: '/projects/{code}/lines',
    tag,
    command: projects.setBomLines,
    response: ProjectOut,
  }),
  route({
    method: 'post',
    path: '/projects/{code}/bom',
    tag,
    command: importBom,
    params: { code: 'project' },
    bodyOmits: ['projectName', 'createProject'],
    textBody: { field: 'csv', mediaType: 'text/csv' },
    bodyBytes: bodyBytesForText(MAX_BOM_CSV_CHARACTERS),
    response: BomImportOut,
    description:
      'Send the KiCad CSV as a `text/csv` body (options `mode`, `dryRun`, `mpnColumns`, `supplierColumns` in the query, e.g. `?mpnColumns=MPN,LCSC`), or JSON `{"csv": "...", "mode": "merge", "mpnColumns": ["MPN", "LCSC"], "dryRun": true}`. Rejected rows are recorded on the project (`bomIncomplete`): its builds are refused unless they set `acceptIncompleteBom`. A mistyped project code is a 400 that names the projects it was probably meant to be.',
  }),
  route({
    method: 'post',
    path: '/bom-imports',
    tag,
    command: importBom,
    bodyBytes: bodyBytesForText(MAX_BOM_CSV_CHARACTERS),
    response: BomImportOut,
    description:
      'Import into an existing project, named by its code (`project`) or its name (`projectName`). A project is created only with `createProject: true` (409 when the name is taken); an unknown name is a 404, and a name shaped like an ID code is a 400 with "did you mean".',
  }),
];
