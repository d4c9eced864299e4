import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { SERVICE_CONFIG } from '@outpost/platform';
import type { DataSource } from 'typeorm';
import type { AssessmentConfig } from '../config/assessment.config';
import { RosterRepository } from '../roster/roster.repository';
import { pairingInputSchema, personInputSchema, type PairingInput, type PersonInput } from '../roster/roster.schemas';
import { RosterUsecases } from '../roster/usecases/roster.usecases';
import { SEED_ACTOR } from '../shared/actor';

const SHAHE = '440106001';
const WUSHAN = '440106002';
const SHAHE_C01 = 'G-440106001-C01';
const WUSHAN_C01 = 'G-440106002-C01';
/** The Tianhe programme launch (2026-03-13) stands in for the agreement date of the demo pairings. */
const SIGNED = '2026-03-13T00:00:00+08:00';

const person = (p: Partial<PersonInput> & Pick<PersonInput, 'id' | 'name' | 'roles'>): PersonInput =>
  personInputSchema.parse(p);

/** EXACTLY the demo roster of docs/SHARED-FACTS.md (dev/demo only; contacts are fictitious .local addresses). */
export const DEMO_PEOPLE: PersonInput[] = [
  person({
    id: 'p-sentinel-1',
    name: '前哨员一',
    roles: ['SENTINEL'],
    unit: '沙河街某社区居委会',
    streetCodes: [SHAHE],
    gridIds: [SHAHE_C01],
    email: 'sentinel1@outpost.local',
  }),
  person({
    id: 'p-volunteer-1',
    name: '志愿者一',
    roles: ['VOLUNTEER'],
    institution: '中国工商银行',
    branch: '天河支行',
    volunteerRoles: ['MONITOR', 'SPEAKER'],
    streetCodes: [SHAHE],
    gridIds: [SHAHE_C01],
    email: 'volunteer1@outpost.local',
  }),
  person({
    id: 'p-sentinel-2',
    name: '前哨员二',
    roles: ['SENTINEL'],
    unit: '五山街',
    streetCodes: [WUSHAN],
    gridIds: [WUSHAN_C01],
    email: 'sentinel2@outpost.local',
  }),
  person({
    id: 'p-volunteer-2',
    name: '志愿者二',
    roles: ['VOLUNTEER'],
    institution: '招商银行',
    branch: '天河支行',
    volunteerRoles: ['MONITOR', 'ASSISTANT'],
    streetCodes: [WUSHAN],
    gridIds: [WUSHAN_C01],
    email: 'volunteer2@outpost.local',
  }),
  person({
    id: 'p-volunteer-3',
    name: '志愿者三',
    roles: ['VOLUNTEER'],
    institution: '中国平安保险',
    branch: '广州分公司',
    volunteerRoles: ['ACTION'],
    streetCodes: [SHAHE],
    gridIds: [SHAHE_C01],
    email: 'volunteer3@outpost.local',
  }),
  person({
    id: 'p-street-1',
    name: '沙河街防非负责人',
    roles: ['STREET_RESPONSIBLE'],
    unit: '沙河街道办事处',
    streetCodes: [SHAHE],
    email: 'street1@outpost.local',
  }),
  person({
    id: 'p-officer-1',
    name: '区打非联办官员',
    roles: ['OFFICER'],
    unit: '区打非联办（牵头部门）',
    canCertify: true,
    email: 'officer1@outpost.local',
  }),
  person({
    id: 'p-officer-2',
    name: '金融监管支局官员',
    roles: ['OFFICER'],
    unit: '金融监管支局',
    canCertify: false,
    email: 'officer2@outpost.local',
  }),
  person({
    id: 'p-supervisor-1',
    name: '区打非办督办',
    roles: ['SUPERVISOR'],
    unit: '区打非办督办',
    email: 'supervisor1@outpost.local',
  }),
  person({ id: 'p-operator-1', name: '运维', roles: ['OPERATOR'], unit: '运维', email: 'operator1@outpost.local' }),
  person({ id: 'p-admin-1', name: '管理员', roles: ['ADMIN'], email: 'admin1@outpost.local' }),
];

export const DEMO_PAIRINGS: PairingInput[] = [
  pairingInputSchema.parse({
    id: 'pair-1',
    volunteerId: 'p-volunteer-1',
    sentinelId: 'p-sentinel-1',
    gridIds: [SHAHE_C01],
    agreementSignedAt: SIGNED,
  }),
  pairingInputSchema.parse({
    id: 'pair-2',
    volunteerId: 'p-volunteer-2',
    sentinelId: 'p-sentinel-2',
    gridIds: [WUSHAN_C01],
    agreementSignedAt: SIGNED,
  }),
  pairingInputSchema.parse({
    id: 'pair-3',
    volunteerId: 'p-volunteer-3',
    sentinelId: 'p-sentinel-1',
    gridIds: [SHAHE_C01],
    agreementSignedAt: SIGNED,
  }),
];

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Idempotent: writes (and audits, and publishes) only what differs from the demo data. Returns the number written. */
export async function seedDemoRoster(
  db: DataSource,
  repo: RosterRepository,
  usecases: RosterUsecases,
): Promise<number> {
  let written = 0;
  for (const p of DEMO_PEOPLE) {
    const existing = await repo.findPerson(db, p.id);
    if (existing && same(existing, { ...p })) continue;
    await usecases.putPerson(SEED_ACTOR, p);
    written++;
  }
  for (const p of DEMO_PAIRINGS) {
    const existing = await repo.findPairing(db, p.id);
    if (
      existing &&
      same(existing, { ...p, agreementSignedAt: p.agreementSignedAt && new Date(p.agreementSignedAt).toISOString() })
    )
      continue;
    await usecases.putPairing(SEED_ACTOR, p);
    written++;
  }
  return written;
}

/** Runs the seed at start when DEMO_DATA=true (npm start sets it for the local demo). */
@Injectable()
export class DemoRosterSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger('DemoRoster');

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: AssessmentConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: RosterRepository,
    private readonly usecases: RosterUsecases,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.DEMO_DATA) return;
    const written = await seedDemoRoster(this.db, this.repo, this.usecases);
    this.logger.log(
      `demo roster: ${written} record(s) written, ${DEMO_PEOPLE.length} people / ${DEMO_PAIRINGS.length} pairings in place`,
    );
  }
}
