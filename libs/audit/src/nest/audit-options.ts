import type { ServiceName } from '@outpost/contracts';
import type { AuditRuntimeConfig } from './audit-config';

export interface ResolvedAuditOptions extends AuditRuntimeConfig {
  service: ServiceName;
  schema: string;
}

export const AUDIT_OPTIONS = Symbol('AUDIT_OPTIONS');
