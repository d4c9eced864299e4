import { loadCatalog } from '../catalog/load-catalog';
import type { IndicatorCatalog } from '../catalog/catalog.types';
import { ScreeningEngine, type ScreeningRecord } from '../screening.engine';

/** Deterministic PRNG (mulberry32) so the bench suite and grep see the same records in every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FILLER = [
  '今日网格员在天河路商圈巡查，未发现异常情况，商户经营正常。',
  '社区居民反映楼下新开一家门店，每天上午有较多老人排队领取鸡蛋和小礼品。',
  '客户到柜面办理转账业务，称用于支付装修款，已按规定核实身份信息。',
  '珠江新城某写字楼内有公司开展业务推广活动，现场发放宣传资料。',
  '该公司工作人员表示产品由正规机构发行，投资者可随时赎回。',
  '石牌街道组织防非宣传进社区活动，向群众讲解识别非法集资的方法。',
  'The customer asked about wealth products and left a contact number for follow-up.',
  '居民王女士来电咨询，其母亲参加了某养生讲座后购买了大量保健品。',
  '前哨员在体育西路巡查时发现电梯广告内容涉及投资收益承诺。',
  '银行志愿者报告：该账户近期频繁收到多笔个人转账，附言为货款。',
];
const SPICE = [
  '本项目保本保息，年化收益18%，推荐朋友加入还有介绍费。',
  '公司承诺高額返利，每月返还本金的百分之五，诚邀加盟。',
  '参加推介会的大爷大妈都认购了养老项目的床位。',
  '警惕保本保息的宣传，凡承诺高额返利的都是骗局。',
  '天河某某财富管理有限公司在社区举办理财讲座。',
  '平台已延期兑付，老板失联，投资人组建维权群。',
  '虚拟币挖矿项目，拉人头可获得团队奖和见点奖。',
  '保 本 保 息，ＵＳＤＴ结算，高\u200b额返利。',
];
const NAMES = [
  '张三',
  '李四',
  '王五',
  '招商银行股份有限公司广州天河支行',
  '广州天河某某投资咨询有限公司',
  '陈某某',
  '刘某',
];

/** Records like the bench suite writes: mostly ordinary patrol and bank text, about 1 in 8 with risk wording. */
export function generateBenchmarkRecords(count: number, seed = 20261101): ScreeningRecord[] {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const records: ScreeningRecord[] = new Array<ScreeningRecord>(count);
  for (let i = 0; i < count; i++) {
    const parts: string[] = [];
    const k = 2 + Math.floor(rand() * 4);
    for (let j = 0; j < k; j++) parts.push(rand() < 0.12 ? pick(SPICE) : pick(FILLER));
    const bank = rand() < 0.3;
    records[i] = bank
      ? {
          ref: `r${i}`,
          text: parts.join(''),
          accountNo: `6222${String(Math.floor(rand() * 2000)).padStart(6, '0')}`,
          accountName: pick(NAMES),
          counterpartyNo: `6217${String(Math.floor(rand() * 100000)).padStart(8, '0')}`,
          counterpartyName: pick(NAMES),
          direction: rand() < 0.6 ? 'in' : 'out',
          amount: rand() < 0.5 ? 10000 * (1 + Math.floor(rand() * 5)) : Math.round(rand() * 80000) / 100,
          remark: rand() < 0.1 ? '返息' : '货款',
          occurredAt: new Date(Date.UTC(2026, 10, 1) + Math.floor(rand() * 20 * 86_400_000)).toISOString(),
        }
      : { ref: `r${i}`, text: parts.join('') };
  }
  return records;
}

/** The line `grep -F` sees for a record: its text fields, tab-separated. */
export function recordLine(r: ScreeningRecord): string {
  return [r.text ?? '', r.accountName ?? '', r.counterpartyName ?? '', r.remark ?? ''].join('\t');
}

/** Every catalogue term as written, one per line: the pattern file for `grep -F -f`. */
export function catalogTerms(catalog: IndicatorCatalog = loadCatalog()): string[] {
  const terms = new Set<string>();
  for (const d of catalog.indicators) if (d.kind === 'TERM') for (const t of d.terms ?? []) terms.add(t);
  return [...terms];
}

export interface EngineBenchmark {
  recordsPerSec: number;
  /** UTF-8 megabytes (10^6 bytes) of `recordLine` text per second: the same basis as grep's MB/s. */
  mbPerSec: number;
  /** The same per CPU second (user + system, all threads): steadier than wall time on a shared machine. */
  cpuMbPerSec: number;
}

/** One timed pass of the engine over the benchmark records. */
export interface EnginePass {
  seconds: number;
  cpuSeconds: number;
}

/** The engine and its records, ready for timed passes (the JIT already warmed by one untimed pass). */
export interface EngineBenchmarkRun {
  records: number;
  /** The records the passes screen (generateBenchmarkRecords), for a baseline over the very same input. */
  data: readonly ScreeningRecord[];
  /** UTF-8 bytes of the records' `recordLine`s, newline included: what grep reads for them. */
  bytes: number;
  pass(): EnginePass;
  /** Throughput of the fastest of these passes (the least disturbed one on a shared machine). */
  best(passes: readonly EnginePass[]): EngineBenchmark;
}

/**
 * Prepares in-process passes of the engine alone (normalise + match + rules + fund flow + score) over generated
 * records, in requests of 1,000 as `/v1/screenings` would pass them, after one untimed warm-up pass.
 */
export function prepareEngineBenchmark(
  records: number,
  options: { batch?: number; engine?: ScreeningEngine } = {},
): EngineBenchmarkRun {
  const engine = options.engine ?? new ScreeningEngine(loadCatalog());
  const batch = options.batch ?? 1000;
  const data = generateBenchmarkRecords(records);
  let bytes = 0;
  for (const r of data) bytes += Buffer.byteLength(recordLine(r), 'utf8') + 1;
  const run = (): void => {
    for (let i = 0; i < data.length; i += batch) engine.screenRecordsSync(data.slice(i, i + batch));
  };
  run();
  return {
    records,
    data,
    bytes,
    pass: () => {
      const t0 = process.hrtime.bigint();
      const c0 = process.cpuUsage();
      run();
      const c = process.cpuUsage(c0);
      return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpuSeconds: (c.user + c.system) / 1e6 };
    },
    best: (passes) => {
      const seconds = Math.min(...passes.map((p) => p.seconds));
      const cpuSeconds = Math.min(...passes.map((p) => p.cpuSeconds));
      return {
        recordsPerSec: records / seconds,
        mbPerSec: bytes / 1e6 / seconds,
        cpuMbPerSec: bytes / 1e6 / cpuSeconds,
      };
    },
  };
}
