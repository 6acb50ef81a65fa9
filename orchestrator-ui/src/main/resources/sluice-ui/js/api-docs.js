// Starts Swagger UI on /api/v1/docs. A file rather than an inline script: the Content-Security-Policy allows
// scripts from this server only.
SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#swagger' });
