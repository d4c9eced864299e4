import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { importSPKI, importPKCS8, jwtVerify, SignJWT, type KeyLike } from 'jose';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ROLES, type Role } from '@outpost/contracts';
import { ProblemException } from './problem';

/**
 * The acting person, as the gateway vouches for it in a short-lived ES256 token. Services verify the token with the
 * gateway's public key and enforce the same role and grid rules (defence in depth): no service trusts an unsigned caller.
 */
export const principalSchema = z.object({
  userId: z.string().min(1),
  name: z.string(),
  roles: z.array(z.enum(ROLES)).min(1),
  canCertify: z.boolean(),
  scope: z.object({ district: z.boolean(), streetCodes: z.array(z.string()), gridIds: z.array(z.string()) }),
});
export type Principal = z.infer<typeof principalSchema>;

export const INTERNAL_TOKEN_ISSUER = 'outpost-gateway';
export const INTERNAL_TOKEN_AUDIENCE = 'outpost-services';
const ALG = 'ES256';

type Key = KeyLike;

export async function importPublicKey(pem: string): Promise<Key> {
  return importSPKI(pem, ALG);
}
export async function importPrivateKey(pem: string): Promise<Key> {
  return importPKCS8(pem, ALG);
}

export async function signInternalToken(principal: Principal, privateKey: Key, ttlSeconds = 120): Promise<string> {
  return new SignJWT({ p: principal })
    .setProtectedHeader({ alg: ALG })
    .setIssuer(INTERNAL_TOKEN_ISSUER)
    .setAudience(INTERNAL_TOKEN_AUDIENCE)
    .setSubject(principal.userId)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(privateKey);
}

export async function verifyInternalToken(token: string, publicKey: Key): Promise<Principal> {
  const { payload } = await jwtVerify(token, publicKey, {
    issuer: INTERNAL_TOKEN_ISSUER,
    audience: INTERNAL_TOKEN_AUDIENCE,
    algorithms: [ALG],
  });
  return principalSchema.parse(payload.p);
}

/** Reads the verification key from the variable or the file (created by `npm start` / the test harness). */
export function loadPublicKeyPem(inline: string | undefined, file: string): string {
  if (inline) return inline.replace(/\\n/g, '\n');
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new Error(
      `No internal token key: set INTERNAL_JWT_PUBLIC_KEY or create ${file} (npm start does: deploy/local/keys.sh)`,
    );
  }
}

export const PUBLIC_ROUTE = 'outpost:public';
export const OWN_AUTH_ROUTE = 'outpost:own-auth';
export const ROLES_KEY = 'outpost:roles';

/** No authentication at all (health only). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
/** The route authenticates callers itself (e.g. intake's API keys, signed callbacks). */
export const OwnAuth = () => SetMetadata(OWN_AUTH_ROUTE, true);
/** Only principals with one of these roles. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

export const INTERNAL_PUBLIC_KEY = Symbol('INTERNAL_PUBLIC_KEY');

interface RequestWithPrincipal {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
}

/** Global guard: every route needs a valid internal token unless marked @Public() or @OwnAuth(). */
@Injectable()
export class InternalAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(INTERNAL_PUBLIC_KEY) private readonly publicKey: Key,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    if (this.reflector.getAllAndOverride<boolean>(OWN_AUTH_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<RequestWithPrincipal>();
    const header = request.headers['authorization'];
    const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : null;
    if (!token) throw new ProblemException(401, 'UNAUTHENTICATED', 'A bearer token is required.');
    try {
      request.principal = await verifyInternalToken(token, this.publicKey);
    } catch {
      throw new ProblemException(401, 'INVALID_TOKEN', 'The bearer token is invalid or expired.');
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.some((r) => request.principal!.roles.includes(r))) {
      throw new ProblemException(403, 'ROLE_REQUIRED', `This action needs one of the roles: ${roles.join(', ')}.`);
    }
    return true;
  }
}

/** The verified principal of the request (present on every non-public route). */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const request = ctx.switchToHttp().getRequest<RequestWithPrincipal>();
  if (!request.principal) throw new ProblemException(401, 'UNAUTHENTICATED', 'A bearer token is required.');
  return request.principal;
});

/** Grid scope: district staff see everything, street staff their streets, others their grids. */
export function inScope(principal: Principal, lead: { streetCode: string | null; gridIds: string[] }): boolean {
  if (principal.scope.district) return true;
  if (lead.streetCode && principal.scope.streetCodes.includes(lead.streetCode)) return true;
  return lead.gridIds.some((g) => principal.scope.gridIds.includes(g));
}
