// The API's documentation page: Swagger UI over /api/v1/openapi.json (a file, so the strict CSP allows it).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: root.dataset.specUrl, domNode: root, deepLinking: true });
})();
