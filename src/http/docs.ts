/** The browsable API reference: Swagger UI (served from the swagger-ui-dist package) over openapi.json. */
import { createRequire } from 'node:module';
import express, { Router } from 'express';

// The assets' directory only: the package's main module loads (and runs) its 3.5 MB browser bundle
// inside the server — 10 MB of heap and a third of a second of start-up for a path.
const getAbsoluteFSPath = createRequire(import.meta.url)('swagger-ui-dist/absolute-path.js') as () => string;

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>buildtrace API reference</title>
  <link rel="stylesheet" href="assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="assets/swagger-ui-bundle.js"></script>
  <script src="init.js"></script>
</body>
</html>`;

const INIT = `window.ui = SwaggerUIBundle({
  url: '../openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: true,
});`;

export function docsRouter(): Router {
  const router = Router();
  router.get('/', (req, res) => {
    // Relative asset paths need the trailing slash.
    if (!req.originalUrl.split('?')[0]!.endsWith('/')) res.redirect(301, `${req.baseUrl}/`);
    else res.type('html').send(PAGE);
  });
  router.get('/init.js', (_req, res) => res.type('application/javascript').send(INIT));
  router.use('/assets', express.static(getAbsoluteFSPath(), { index: false, maxAge: '1d' }));
  return router;
}
