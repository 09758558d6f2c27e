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
  route({ method: 'get', path: '/projects/{code}', tag, command: projects.getProject, response: ProjectOut }),
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
    command: projects.importBom,
    params: { code: 'project' },
    bodyOmits: ['projectName'],
    textBody: { field: 'csv', mediaType: 'text/csv' },
    bodyBytes: bodyBytesForText(projects.MAX_BOM_CSV_CHARACTERS),
    response: BomImportOut,
    description:
      'Send the KiCad CSV as a `text/csv` body (options `mode` and `dryRun` in the query), or JSON `{"csv": "...", "mode": "merge", "dryRun": true}`.',
  }),
  route({
    method: 'post',
    path: '/bom-imports',
    tag,
    command: projects.importBom,
    bodyBytes: bodyBytesForText(projects.MAX_BOM_CSV_CHARACTERS),
    response: BomImportOut,
    description:
      'Import into an existing project (`project`) or into one found or created by name (`projectName`).',
  }),
];
