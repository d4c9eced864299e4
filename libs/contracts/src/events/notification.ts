import { z } from 'zod';

export const deliveryFailedV1 = z.object({
  leadId: z.string().nullable(),
  deliveryId: z.string(),
  channel: z.enum(['INBOX', 'EMAIL', 'SMS', 'WEBHOOK']),
  recipient: z.string(),
  sourceEventId: z.string(),
  attempts: z.number().int(),
  error: z.string(),
  deadLettered: z.boolean(),
});
