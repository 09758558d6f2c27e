/** The browsable API reference: Swagger UI (served from the swagger-ui-dist package) over openapi.json. */
import express, { Router } from 'express';
import { getAbsoluteFSPath } from 'swagger-ui-dist';

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
