import { z } from 'zod';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { leadInputSchema } from './dto/lead-input.schema';

/** JSON Schema of the request bodies, generated from the same zod schemas that validate them. */
export const leadInputJsonSchema = z.toJSONSchema(leadInputSchema, {
  io: 'input',
  unrepresentable: 'any',
}) as SchemaObject;
export const batchInputJsonSchema = {
  type: 'object',
  required: ['leads'],
  properties: { leads: { type: 'array', maxItems: 1000, items: leadInputJsonSchema } },
} as SchemaObject;

export const LEAD_EXAMPLE = {
  sourceChannel: 'BANK_MONITOR',
  sourceRef: 'ICBC-TH-STR-2026-00123',
  discoveredAt: '2026-11-26T15:20:00+08:00',
  reportedAt: '2026-11-27T09:30:00+08:00',
  title: '某财富管理公司疑似非法吸收公众存款',
  description:
    '客户经理发现多名老年客户向同一账户小额转账，备注"返息""复投"；该公司在天河路208号天河城写字楼举办推介会，宣传"保本保息、年化18%"。',
  suggestedCategory: 'IF-XS',
  reporter: { anonymous: false, name: '王某', phone: '13800138000', firstReport: true },
  subjects: [
    {
      kind: 'ENTERPRISE',
      name: '广州某某财富管理有限公司',
      uscc: '91440106MA5CXXXX0L',
      registeredAddress: '广州市天河区天河路208号',
      businessScope: '投资咨询；财富管理；企业管理咨询',
      phones: ['020-38888888'],
      urls: ['https://www.example-wealth.cn/product'],
      wechatIds: ['wealth_th_888'],
    },
  ],
  location: {
    addressText: '广州市天河区天河路208号天河城',
    standardAddressCode: 'SA-440106006-0001',
    lat: 23.1322,
    lng: 113.3238,
  },
  estimates: { promisedYieldPct: 18, amountYuan: 3000000, participants: 200, elderlyInvolved: true },
  channels: ['SEMINAR', 'WECHAT_GROUP'],
  confidentiality: 'REPORTER_PROTECTED',
  externalRefs: [{ system: 'BANK_STR', ref: 'STR-20261127-0007' }],
};

export const PATROL_EXAMPLE = {
  sourceChannel: 'PATROL',
  description: '沙河街濂泉路12号濂泉大厦一楼有"养老项目"推介，现场派发传单称"稳赚不赔，每月返利2%"，参与者多为老人。',
  subjects: [{ kind: 'ENTERPRISE', name: '某某养老服务中心' }],
  location: { addressText: '沙河街濂泉路12号濂泉大厦' },
  estimates: { elderlyInvolved: true },
  channels: ['OFFLINE_VENUE', 'LEAFLET'],
};

export const LEAD_VIEW_EXAMPLE = {
  id: '0193b7e4-8f2a-7c41-9d2e-3a5b6c7d8e9f',
  reference: 'TH-20261127-000123',
  sourceRef: 'ICBC-TH-STR-2026-00123',
  status: 'CLOSED',
  stage: 'closed',
  receivedAt: '2026-11-27T01:30:00.123Z',
  outcome: 'REFERRED_POLICE',
  reporterFeedback: '您报送的线索已由区打非联办研判并移送公安机关处理，感谢您的支持。',
  reporterNotifiedAt: '2026-12-20T08:00:05.000Z',
  updatedAt: '2026-12-20T08:00:00.000Z',
};
