import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { importPrivateKey, importPublicKey } from '@outpost/platform';
import type { GatewayConfig } from '../config/gateway.config';

type Key = Awaited<ReturnType<typeof importPrivateKey>>;

/** The gateway's signing keys: internal tokens (for services) and browser access tokens. */
export interface GatewayKeys {
  internalPrivate: Key;
  browserPrivate: Key;
  browserPublic: Key;
}

export const GATEWAY_KEYS = Symbol('GATEWAY_KEYS');

function pem(inline: string | undefined, file: string, variable: string): string {
  if (inline) return inline.replace(/\\n/g, '\n');
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new Error(`No signing key: set ${variable} or create ${file} (npm start does: deploy/local/keys.sh)`);
  }
}

export async function loadGatewayKeys(config: GatewayConfig): Promise<GatewayKeys> {
  const internalPem = pem(
    config.INTERNAL_JWT_PRIVATE_KEY,
    config.INTERNAL_JWT_PRIVATE_KEY_FILE,
    'INTERNAL_JWT_PRIVATE_KEY',
  );
  const browserPem = config.BROWSER_JWT_PRIVATE_KEY
    ? config.BROWSER_JWT_PRIVATE_KEY.replace(/\\n/g, '\n')
    : internalPem;
  const browserPublicPem = createPublicKey(browserPem).export({ type: 'spki', format: 'pem' }).toString();
  return {
    internalPrivate: await importPrivateKey(internalPem),
    browserPrivate: await importPrivateKey(browserPem),
    browserPublic: await importPublicKey(browserPublicPem),
  };
}
