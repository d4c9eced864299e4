import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildAsyncApiDocument } from './asyncapi';

/** Regenerates docs/asyncapi.yaml from the repository root: `npm run asyncapi`. */
export const ASYNCAPI_FILE = join(process.cwd(), 'docs/asyncapi.yaml');

export function renderAsyncApi(): string {
  return `# Generated from libs/contracts by \`npm run asyncapi\`; do not edit by hand.\n${stringify(buildAsyncApiDocument(), { lineWidth: 0 })}`;
}

if (require.main === module) {
  writeFileSync(ASYNCAPI_FILE, renderAsyncApi());
  console.log(`wrote ${ASYNCAPI_FILE}`);
}
