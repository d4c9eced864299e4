/**
 * Demo leads for `npm start` (development only): the console should open on work in every state, not on empty queues.
 *
 * Eight leads are posted by the demo source systems through intake's public API, exactly as a real source posts them
 * (X-Api-Key, Idempotency-Key). Some are then walked along the workflow through the gateway's command API by the demo
 * users who would do it in the admin UI (the assigned volunteer claims and gives an opinion, officer1 decides):
 *
 *   养老项目推介会 (hotline)        → REFER_POLICE decided: DISPOSING, waiting for supervisor1's approval of the referral
 *   投资咨询公司返息转账 (bank)      → opinion given: OPINION_SUBMITTED, waiting for an officer's decision
 *   五山街理财工作室分红 (bank)      → claimed: IN_REVIEW with volunteer2
 *   银行理财产品咨询 (hotline)       → decided not illegal: CLOSED, the loop closed
 *   虚拟货币 App 高额返利 (media)    → ASSIGNED to the 五山街 pair
 *   私募基金保本保息 (穗岁安)        → on a grid without a pair: the district pool
 *   直播间黄金投资 (media)           → no usable address: the district pool
 *   the 养老项目 company again      → LINKED to the first report (deduplication)
 *   消费返利储值 (bank)              → FILE_ADMIN_CASE decided: an administrative case with two investigators and a
 *                                     seizure waiting for supervisor1's approval (the case's own commands)
 *
 * Idempotent: each lead has a fixed Idempotency-Key (a second run gets the same lead back), and each walk starts from
 * the lead's current status and stops at its target; a case step is given only while the case does not show it done.
 * So a second run changes nothing and an interrupted one resumes.
 * The API keys and logins are the demo ones (README "Demo data"); nothing here works against a production setup.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from '../seed/demo-accounts';

type Status = string;

/** The demo sources' keys (intake's DEMO_SOURCES; printed by `npm start`). */
const KEYS = {
  bank: 'demo-bank-key-icbc-th-2026-dev-only',
  hotline: 'demo-hotline-key-12345-2026-dev-only',
  media: 'demo-media-key-2026-dev-only-xyz',
  suisuian: 'demo-suisuian-key-2026-dev-only',
} as const;

/** One workflow command: who gives it (the lead's assignee, or a named login), from which status, with what body. */
interface Step {
  action: 'claim' | 'submit-opinion' | 'decide';
  from: Status;
  by: 'assignee' | 'officer1';
  body: Record<string, unknown>;
}

const claim: Step = { action: 'claim', from: 'ASSIGNED', by: 'assignee', body: {} };
const opinion = (body: Record<string, unknown>): Step => ({
  action: 'submit-opinion',
  from: 'IN_REVIEW',
  by: 'assignee',
  body,
});
const decide = (body: Record<string, unknown>): Step => ({
  action: 'decide',
  from: 'OPINION_SUBMITTED',
  by: 'officer1',
  body,
});

/** What a case step looks at: the case as `GET /api/v1/leads/{id}/case` shows it. */
interface CaseView {
  investigators: Array<{ personId: string }>;
  measures: Array<{ measureType: string }>;
}

/** A command on the lead's disposal case, given by officer1 once the lead is at its target, unless already `done`. */
interface CaseStep {
  action: 'assign-investigators' | 'request-measure';
  body: Record<string, unknown>;
  done: (c: CaseView) => boolean;
}

export interface DemoLead {
  /** Its Idempotency-Key at intake. */
  key: string;
  source: keyof typeof KEYS;
  lead: Record<string, unknown>;
  /** Where it should end up, and the commands that take it there (none: where intake and assessment put it). */
  target: Status;
  steps: Step[];
  /** Then, on its disposal case (officer1, who handles the cases it decides). */
  caseSteps?: CaseStep[];
}

/** Standard addresses on 沙河街's grid G-440106001-C01 (pairs 1 and 3), from intake's grid reference data. */
const SHAHE = { addressText: '广州市天河区沙河先烈东路88号 沙河服装城', standardAddressCode: 'SA-440106001-0002' };
const LIANQUAN = { addressText: '广州市天河区沙河濂泉路12号 濂泉大厦', standardAddressCode: 'SA-440106001-0001' };

export const DEMO_LEADS: DemoLead[] = [
  {
    key: 'demo-lead-01',
    source: 'hotline',
    lead: {
      sourceChannel: 'PUBLIC_REPORT',
      sourceRef: 'DEMO-12345-0001',
      title: '沙河服装城某财富公司以“养老项目”高息揽储',
      description: '社区多名老人参加某公司推介会，宣传“养老项目”保本保息、月息2%，现场收取定金，并鼓励拉人入群返利。',
      subjects: [{ kind: 'ENTERPRISE', name: '广州天河某某财富管理有限公司' }],
      location: SHAHE,
      channels: ['SEMINAR', 'WECHAT_GROUP'],
      estimates: { promisedYieldPct: 24, participants: 60, amountYuan: 3_000_000, elderlyInvolved: true },
      reporter: { anonymous: true },
    },
    target: 'DISPOSING',
    steps: [
      claim,
      opinion({
        recommendation: 'REFER_POLICE',
        category: 'IF-XS',
        legalBasis: ['《防范和处置非法集资条例》第二条', '《刑法》第一百七十六条'],
        reasoning:
          '面向老年人公开宣传，承诺保本保息、月息2%，以拉人返利扩大参与人群，非法性、公开性、利诱性、社会性特征明显。',
      }),
      decide({
        decision: 'REFER_POLICE',
        category: 'IF-XS',
        legalBasis: ['《防范和处置非法集资条例》第二条'],
        reasoning: '经研判，涉嫌非法吸收公众存款，依法移送公安机关。',
      }),
    ],
  },
  {
    key: 'demo-lead-02',
    source: 'bank',
    lead: {
      sourceChannel: 'BANK_MONITOR',
      sourceRef: 'DEMO-ICBC-0001',
      title: '对公账户频繁收取个人小额转账，附言“返息”',
      description:
        '广州天河某某投资咨询有限公司对公账户近30日收到个人转账412笔，多笔附言“第3期返息”“分红”，资金随即分散转出至多个个人账户。',
      subjects: [{ kind: 'ENTERPRISE', name: '广州天河某某投资咨询有限公司' }],
      location: LIANQUAN,
      estimates: { amountYuan: 1_850_000, participants: 140 },
      confidentiality: 'BANK_SENSITIVE',
    },
    target: 'OPINION_SUBMITTED',
    steps: [
      claim,
      opinion({
        recommendation: 'WARNING_INTERVIEW',
        category: 'IF',
        legalBasis: ['《防范和处置非法集资条例》第十八条'],
        reasoning: '资金流入分散、附言返息，经营范围无金融业务资质，建议约谈警示并责令说明资金用途。',
      }),
    ],
  },
  {
    key: 'demo-lead-03',
    source: 'bank',
    lead: {
      sourceChannel: 'BANK_MONITOR',
      sourceRef: 'DEMO-ICBC-0002',
      title: '五山街某理财工作室按月向客户支付“分红”',
      description: '个人账户户名含“理财”，按月固定向三十余名客户转账，附言“分红”，客户多为附近小区居民。',
      subjects: [{ kind: 'INDIVIDUAL_BUSINESS', name: '天河区五山某某理财工作室' }],
      location: { addressText: '广州市天河区五山街五山路某小区' },
      estimates: { participants: 35 },
    },
    target: 'IN_REVIEW',
    steps: [claim],
  },
  {
    key: 'demo-lead-04',
    source: 'hotline',
    lead: {
      sourceChannel: 'PUBLIC_REPORT',
      sourceRef: 'DEMO-12345-0002',
      title: '咨询银行网点销售的理财产品是否合规',
      description:
        '市民反映在濂泉大厦某银行网点购买了理财产品，想确认该产品是否正规。经初步了解，系该行在柜台销售的备案理财产品。',
      location: LIANQUAN,
      reporter: { anonymous: true },
    },
    target: 'CLOSED',
    steps: [
      claim,
      opinion({
        recommendation: 'CLOSE_NOT_ILLEGAL',
        category: 'OT',
        legalBasis: ['《商业银行理财业务监督管理办法》'],
        reasoning: '经核实系持牌银行在网点销售的备案理财产品，未发现非法金融活动。',
      }),
      decide({
        decision: 'CLOSE_NOT_ILLEGAL',
        reasoning: '经核实为合规银行理财产品，不构成非法金融活动，予以办结。',
        feedback: '您咨询的理财产品为持牌银行依法销售的备案产品，请注意风险、理性投资。',
      }),
    ],
  },
  {
    key: 'demo-lead-05',
    source: 'media',
    lead: {
      sourceChannel: 'MEDIA',
      sourceRef: 'DEMO-MEDIA-0001',
      title: '“某某链”App 宣传虚拟货币挖矿，日收益1.5%',
      description:
        '网络广告推广“某某链”App，称购买矿机即可获得虚拟货币，日收益1.5%、推荐他人注册可获团队返利，线下在五山街设体验点。',
      subjects: [{ kind: 'APP', name: '某某链' }],
      location: { addressText: '广州市天河区五山街某写字楼' },
      channels: ['APP', 'WEBSITE'],
      estimates: { promisedYieldPct: 547 },
    },
    target: 'ASSIGNED',
    steps: [],
  },
  {
    key: 'demo-lead-06',
    source: 'suisuian',
    lead: {
      sourceChannel: 'SYSTEM_ALERT',
      sourceRef: 'DEMO-SSA-0001',
      title: '未备案私募基金向不特定对象宣传保本保息',
      description: '穗岁安平台监测到某私募基金在朋友圈向不特定对象推介产品，承诺“保本保息、年化12%”。',
      subjects: [{ kind: 'ENTERPRISE', name: '广州某某私募基金管理有限公司' }],
      location: { addressText: '广州市天河区天河南街体育东社区某写字楼' },
      estimates: { promisedYieldPct: 12 },
    },
    target: 'TRIAGED',
    steps: [],
  },
  {
    key: 'demo-lead-07',
    source: 'media',
    lead: {
      sourceChannel: 'MEDIA',
      sourceRef: 'DEMO-MEDIA-0002',
      title: '直播间推销“黄金投资”，承诺高额返利',
      description: '某直播间主播推销“黄金投资计划”，承诺每月返利8%，引导观众添加微信私下转账，直播间地址不详。',
      channels: ['LIVESTREAM'],
      estimates: { promisedYieldPct: 96 },
    },
    target: 'TRIAGED',
    steps: [],
  },
  {
    key: 'demo-lead-08',
    source: 'hotline',
    lead: {
      sourceChannel: 'PUBLIC_REPORT',
      sourceRef: 'DEMO-12345-0003',
      title: '又有居民反映沙河服装城养老项目推介会',
      description: '居民反映母亲参加了某财富管理公司的养老项目推介会，对方承诺保本保息，要求先交定金。',
      subjects: [{ kind: 'ENTERPRISE', name: '广州天河某某财富管理有限公司' }],
      location: SHAHE,
      reporter: { anonymous: true },
    },
    target: 'LINKED',
    steps: [],
  },
  {
    key: 'demo-lead-09',
    source: 'bank',
    lead: {
      sourceChannel: 'BANK_MONITOR',
      sourceRef: 'DEMO-ICBC-0003',
      title: '美容店以“消费返利”名义吸收会员储值',
      description:
        '濂泉大厦某美容店向会员推销“储值返利卡”，称储值1万元每月返利3%、一年后本金全退，收款进入店主个人账户，已有数十名会员储值。',
      subjects: [{ kind: 'ENTERPRISE', name: '广州天河某某美容服务有限公司' }],
      location: LIANQUAN,
      estimates: { amountYuan: 420_000, participants: 38, promisedYieldPct: 36 },
    },
    target: 'DISPOSING',
    steps: [
      claim,
      opinion({
        recommendation: 'FILE_ADMIN_CASE',
        category: 'IF',
        legalBasis: ['《防范和处置非法集资条例》第二条', '《防范和处置非法集资条例》第三十条'],
        reasoning: '以消费返利名义向会员吸收资金并承诺返本付息，规模尚小，建议行政立案调查。',
      }),
      decide({
        decision: 'FILE_ADMIN_CASE',
        category: 'IF',
        legalBasis: ['《防范和处置非法集资条例》第三十条'],
        reasoning: '涉嫌非法集资，未达刑事立案标准，行政立案调查。',
      }),
    ],
    caseSteps: [
      {
        action: 'assign-investigators',
        body: {
          investigators: [
            { personId: 'p-officer-1', name: '区打非联办官员', badgeNo: 'GD-44010601' },
            { personId: 'p-officer-2', name: '金融监管支局官员', badgeNo: 'GD-44010602' },
          ],
        },
        done: (c) => c.investigators.length > 0,
      },
      {
        action: 'request-measure',
        body: { measureType: 'SEAL_SEIZE', description: '扣押“储值返利卡”销售合同及收款记录' },
        done: (c) => c.measures.some((m) => m.measureType === 'SEAL_SEIZE'),
      },
    ],
  },
];

export interface DemoLeadResult {
  key: string;
  id: string;
  reference: string;
  /** Whether intake registered it in this run (false: it existed, a replay). */
  created: boolean;
  status: Status;
}

interface Options {
  intakeUrl: string;
  gatewayUrl: string;
  log: (line: string) => void;
  /** How long one lead may take to reach its target (the read model follows the events). */
  timeoutMs?: number;
}

interface LeadView {
  status: Status;
  reference: string;
  assignee: { id: string } | null;
}

/** Posts the demo leads and walks them to their targets; returns where each ended up. */
export async function runDemoLeads(o: Options): Promise<DemoLeadResult[]> {
  const timeoutMs = o.timeoutMs ?? 90_000;
  const api = new GatewayApi(o.gatewayUrl);
  const results: DemoLeadResult[] = [];
  // In order: the linked report must come after the one it repeats.
  for (const d of DEMO_LEADS) {
    const res = await fetch(`${o.intakeUrl}/v1/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEYS[d.source], 'idempotency-key': d.key },
      body: JSON.stringify(d.lead),
    });
    const body = (await res.json()) as { id: string; reference: string };
    if (res.status !== 201 && res.status !== 200)
      throw new Error(`intake refused demo lead ${d.key}: ${res.status} ${JSON.stringify(body)}`);
    results.push({ key: d.key, id: body.id, reference: body.reference, created: res.status === 201, status: '' });
  }
  const created = results.filter((r) => r.created).length;
  o.log(`demo leads posted: ${created} new, ${results.length - created} already there`);

  for (const [i, d] of DEMO_LEADS.entries()) {
    const r = results[i]!;
    const done: string[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const view = await api.lead(r.id);
      if (view?.status === d.target) {
        r.status = view.status;
        break;
      }
      if (Date.now() > deadline)
        throw new Error(`demo lead ${r.reference} stayed ${view?.status ?? 'unseen'}; expected ${d.target}`);
      const step = view && d.steps.find((s) => s.from === view.status);
      // Not in the read model yet, or between two steps (triage, the decision reaching escalation): wait for it.
      if (!view || !step) {
        await sleep(300);
        continue;
      }
      const login = step.by === 'assignee' ? loginOf(view.assignee?.id) : step.by;
      await api.command(login, r.id, step.action, step.body);
      done.push(step.action);
      await api.waitForChange(r.id, view.status, deadline);
    }
    for (const step of d.caseSteps ?? []) {
      if (step.done(await api.caseOf(r.id, deadline))) continue;
      await api.command('officer1', r.id, step.action, step.body);
      done.push(step.action);
    }
    o.log(`${r.reference} ${String(d.lead.title)} → ${r.status}${done.length ? ` (${done.join(', ')})` : ''}`);
  }
  return results;
}

/** The demo login of a demo person (docs/SHARED-FACTS.md "Demo roster"). */
function loginOf(personId: string | undefined): string {
  const account = DEMO_ACCOUNTS.find((a) => a.personId === personId);
  if (!account) throw new Error(`no demo login for assignee ${personId ?? '(none)'}`);
  return account.login;
}

/** The gateway's public API as the demo users (password login, one access token per user). */
class GatewayApi {
  private readonly tokens = new Map<string, Promise<string>>();

  constructor(private readonly base: string) {}

  /** The lead as officer1 (district scope) sees it; null while the read model does not have it yet. */
  async lead(id: string): Promise<LeadView | null> {
    const res = await this.request('officer1', 'GET', `/api/v1/leads/${id}`);
    if (res.status === 404) return null;
    return (await this.json(res, `GET lead ${id}`)) as LeadView;
  }

  /** The lead's disposal case as officer1 sees it; escalation opens it from the decision's event, so it may lag. */
  async caseOf(id: string, deadline: number): Promise<CaseView> {
    for (;;) {
      const res = await this.request('officer1', 'GET', `/api/v1/leads/${id}/case`);
      if (res.status !== 404) return (await this.json(res, `GET case of lead ${id}`)) as CaseView;
      if (Date.now() > deadline) throw new Error(`lead ${id} has no disposal case`);
      await sleep(300);
    }
  }

  async command(login: string, id: string, action: string, body: Record<string, unknown>): Promise<void> {
    const res = await this.request(login, 'POST', `/api/v1/leads/${id}/commands/${action}`, body);
    await this.json(res, `${login}: ${action} on lead ${id}`);
  }

  /** Waits until the read model shows the lead in another status than `from` (the command's event has arrived). */
  async waitForChange(id: string, from: Status, deadline: number): Promise<void> {
    while ((await this.lead(id))?.status === from) {
      if (Date.now() > deadline) throw new Error(`lead ${id} stayed ${from} after the command`);
      await sleep(200);
    }
  }

  private async request(login: string, method: string, path: string, body?: unknown): Promise<Response> {
    const token = await this.token(login);
    return fetch(`${this.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  }

  private token(login: string): Promise<string> {
    let token = this.tokens.get(login);
    if (!token) {
      token = fetch(`${this.base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login, password: DEMO_PASSWORD }),
      }).then(async (res) => ((await this.json(res, `login ${login}`)) as { accessToken: string }).accessToken);
      this.tokens.set(login, token);
    }
    return token;
  }

  private async json(res: Response, what: string): Promise<unknown> {
    const text = await res.text();
    if (!res.ok) throw new Error(`${what}: ${res.status} ${text}`);
    return JSON.parse(text) as unknown;
  }
}

if (require.main === module) {
  runDemoLeads({
    intakeUrl: process.env.INTAKE_URL ?? 'http://127.0.0.1:3001',
    gatewayUrl: process.env.GATEWAY_URL ?? 'http://127.0.0.1:8080',
    log: (line) => console.log(`[demo] ${line}`),
  }).catch((err: Error) => {
    console.error(`[demo] demo leads failed: ${err.message}`);
    process.exit(1);
  });
}
