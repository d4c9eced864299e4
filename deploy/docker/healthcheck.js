// Docker HEALTHCHECK: the service's liveness endpoint on its own port (default ports as in libs/platform/src/config.ts).
'use strict';
const DEFAULT_PORTS = { gateway: 8080, intake: 3001, assessment: 3002, escalation: 3003, notification: 3004 };
const port = process.env.PORT || DEFAULT_PORTS[process.env.SERVICE] || 8080;
fetch(`http://127.0.0.1:${port}/health/live`, { signal: AbortSignal.timeout(2500) })
  .then((r) => process.exit(r.ok ? 0 : 1))
  .catch(() => process.exit(1));
