import { exportPKCS8, exportSPKI, generateKeyPair, type KeyLike } from 'jose';
import type { Role } from '@outpost/contracts';
import { signInternalToken, type Principal } from '@outpost/platform';

export interface TestKeys {
  publicKeyPem: string;
  privateKeyPem: string;
  privateKey: KeyLike;
}

let cached: Promise<TestKeys> | null = null;

/** One ES256 key pair per test process, standing in for the gateway's internal-token keys. */
export function testKeys(): Promise<TestKeys> {
  cached ??= (async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    return { publicKeyPem: await exportSPKI(publicKey), privateKeyPem: await exportPKCS8(privateKey), privateKey };
  })();
  return cached;
}

export function principal(p: Partial<Principal> & { userId: string; roles: Role[] }): Principal {
  return {
    name: p.userId,
    canCertify: false,
    scope: { district: false, streetCodes: [], gridIds: [] },
    ...p,
  };
}

/** A bearer header value for the given principal, signed with the test keys. */
export async function bearer(p: Principal): Promise<string> {
  const keys = await testKeys();
  return `Bearer ${await signInternalToken(p, keys.privateKey)}`;
}
