// The environment variables each service reads, collected from its zod config schemas (services/<svc>/src/config,
// libs/platform, libs/messaging, libs/audit, libs/clock): manifests and the compose file may set only these, so a
// typo or a renamed variable fails the check instead of being silently ignored at run time.
import fs from 'node:fs';
import path from 'node:path';

export const SERVICES = ['gateway', 'intake', 'assessment', 'escalation', 'notification'];
export const DEFAULT_PORTS = { gateway: 8080, intake: 3001, assessment: 3002, escalation: 3003, notification: 3004 };

/**
 * Read by Node itself or the image, not by the config schemas; and DEMO_DATA, the system-wide demo switch (README)
 * that only some services read, set once for all of them.
 */
const RUNTIME_VARS = ['NODE_OPTIONS', 'SERVICE', 'DEMO_DATA'];

const SHARED_SOURCES = [
  'libs/platform/src/config.ts',
  'libs/messaging/src/messaging.config.ts',
  'libs/audit/src/nest/audit-config.ts',
];

function keysOf(file) {
  const text = fs.readFileSync(file, 'utf8');
  // Object keys of the zod schemas: `  NAME: z.…` or `  NAME: helper(…)` (upper-case, at least 3 characters).
  return [...text.matchAll(/^\s+([A-Z][A-Z0-9_]{2,}):\s/gm)].map((m) => m[1]);
}

export function knownEnv(root, service) {
  const names = new Set(RUNTIME_VARS);
  for (const f of SHARED_SOURCES) for (const k of keysOf(path.join(root, f))) names.add(k);
  const dir = path.join(root, 'services', service, 'src', 'config');
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.config.ts'))) {
    for (const k of keysOf(path.join(dir, f))) names.add(k);
  }
  // Values of a few keys are nested JSON objects (e.g. SUISUIAN inside EXTERNAL_SYSTEMS' defaults): harmless extras.
  return names;
}
