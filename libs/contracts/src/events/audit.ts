import { z } from 'zod';
import { SERVICE_NAMES } from '../envelope';

/** A published audit chain head: a later rewrite of the service's audit table is detectable against it. */
export const auditCheckpointV1 = z.object({
  service: z.enum(SERVICE_NAMES),
  takenAt: z.iso.datetime({ offset: true }),
  chains: z.array(
    z.object({ chain: z.number().int().nonnegative(), seq: z.number().int().nonnegative(), hash: z.string() }),
  ),
});
export type AuditCheckpointV1 = z.infer<typeof auditCheckpointV1>;
