import { z } from 'zod';
import { ROLES } from '@outpost/contracts';

export const VOLUNTEER_ROLES = ['SPEAKER', 'MONITOR', 'ACTION', 'ASSISTANT'] as const;
const id = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, '只允许字母、数字、_ . -（1–64 位）');
const streetCode = z.string().regex(/^440106\d{3}$/, '街道代码应为 440106 + 3 位序号');
const gridId = z.string().regex(/^G-440106\d{3}-[CBP]\d{2}$/, '网格编号应形如 G-440106001-C01');
const optionalText = z.string().trim().min(1).nullable().default(null);

/** The lead department (处置非法集资牵头部门) is the only unit whose officers may 认定 (Reg. Art. 10-11, 19). */
export function isLeadDepartment(unit: string | null): boolean {
  return unit !== null && /打非联办|牵头部门/.test(unit);
}

export const personInputSchema = z
  .object({
    id,
    name: z.string().trim().min(1).max(100),
    roles: z.array(z.enum(ROLES)).min(1),
    canCertify: z.boolean().default(false),
    unit: optionalText,
    institution: optionalText,
    branch: optionalText,
    volunteerRoles: z.array(z.enum(VOLUNTEER_ROLES)).default([]),
    streetCodes: z.array(streetCode).default([]),
    gridIds: z.array(gridId).default([]),
    phone: z
      .string()
      .regex(/^\+?[0-9-]{5,20}$/, '电话号码格式不正确')
      .nullable()
      .default(null),
    email: z.email().nullable().default(null),
    active: z.boolean().default(true),
  })
  .superRefine((p, ctx) => {
    if (p.canCertify && !(p.roles.includes('OFFICER') && isLeadDepartment(p.unit))) {
      ctx.addIssue({
        code: 'custom',
        path: ['canCertify'],
        message: '只有牵头部门（区打非联办）的 OFFICER 才能有认定权限',
      });
    }
    if (p.volunteerRoles.length > 0 && !p.roles.includes('VOLUNTEER')) {
      ctx.addIssue({ code: 'custom', path: ['volunteerRoles'], message: '志愿者角色只适用于 VOLUNTEER' });
    }
    if (p.roles.includes('VOLUNTEER') && !p.institution) {
      ctx.addIssue({ code: 'custom', path: ['institution'], message: '志愿者须填写所属金融机构' });
    }
    if (p.roles.includes('STREET_RESPONSIBLE') && p.streetCodes.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['streetCodes'], message: '街道防非负责人须填写负责的街道' });
    }
  });
export type PersonInput = z.infer<typeof personInputSchema>;

export const pairingInputSchema = z.object({
  id,
  volunteerId: id,
  sentinelId: id,
  gridIds: z.array(gridId).min(1),
  agreementSignedAt: z.iso.datetime({ offset: true }).nullable().default(null),
  contactCadence: optionalText,
  status: z.enum(['ACTIVE', 'SUSPENDED', 'ENDED']).default('ACTIVE'),
});
export type PairingInput = z.infer<typeof pairingInputSchema>;
