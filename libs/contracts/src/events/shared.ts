import { z } from 'zod';
import { ANCHORS, BANDS, CATEGORIES, LEAD_STATUSES } from '../lead-status';
import { ROLES } from '../envelope';

export const bandSchema = z.enum(BANDS);
export const categorySchema = z.enum(CATEGORIES);
export const leadStatusSchema = z.enum(LEAD_STATUSES);
export const roleSchema = z.enum(ROLES);
export const isoDate = z.iso.datetime({ offset: true });

/** One screening hit: which indicator (DOMAIN.md §5), the matched term, the field it was found in. */
export const screeningHitSchema = z.object({
  indicator: z.string(),
  term: z.string(),
  field: z.string(),
  anchor: z.enum(ANCHORS).nullable(),
  weight: z.number(),
});
export type ScreeningHit = z.infer<typeof screeningHitSchema>;

export const screeningResultSchema = z.object({
  catalogVersion: z.string(),
  score: z.number(),
  band: bandSchema,
  hits: z.array(screeningHitSchema),
});
export type ScreeningResult = z.infer<typeof screeningResultSchema>;

/** Where a lead is, with every grid membership snapshotted at registration (DOMAIN.md §3.5). */
export const placementSchema = z.object({
  addressText: z.string().nullable(),
  standardAddressCode: z.string().nullable(),
  lat: z.number().nullable(),
  lng: z.number().nullable(),
  streetCode: z.string().nullable(),
  streetName: z.string().nullable(),
  communityCode: z.string().nullable(),
  gridIds: z.array(z.string()),
  resolvedBy: z.enum(['STANDARD_ADDRESS', 'POINT_IN_POLYGON', 'ADDRESS_TEXT', 'UNRESOLVED']),
  /** True when no grid was found: the lead goes to the district pool. */
  unresolved: z.boolean(),
});
export type Placement = z.infer<typeof placementSchema>;
