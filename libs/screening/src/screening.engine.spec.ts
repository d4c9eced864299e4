import type { ScreeningHit } from '@outpost/contracts';
import { loadCatalog } from './catalog/load-catalog';
import { ScreeningEngine, type ScreeningRecord } from './screening.engine';

const sut = new ScreeningEngine(loadCatalog());
const ids = (hits: ScreeningHit[]): string[] => [...new Set(hits.map((h) => h.indicator))].sort();
const text = (t: string): ScreeningHit[] => sut.screenText({ text: t });

describe(ScreeningEngine.name, () => {
  describe('normalize', () => {
    it('folds width, script and case and drops separators and zero-width characters', () => {
      expect(sut.normalize('ｆｕｌｌ ＡＢＣ １２３')).toBe('fullabc123');
      expect(sut.normalize('高額返利 財富管理 虛擬幣')).toBe('高额返利财富管理虚拟币');
      expect(sut.normalize('保 本 保 息')).toBe('保本保息');
      expect(sut.normalize('保-本-保-息')).toBe('保本保息');
      expect(sut.normalize('保，本。保！息')).toBe('保本保息');
      expect(sut.normalize('高\u200b额\u200c返\u200d利\ufeff')).toBe('高额返利');
      expect(sut.normalize('「保本」（保息）')).toBe('保本保息');
      expect(sut.normalize('\u3000养老\u00a0项目\t')).toBe('养老项目');
    });
  });

  describe('term indicators', () => {
    it.each([
      ['B1', '本产品保本保息，稳赚不赔'],
      ['B2', '投资即享高额返利，日息千分之五'],
      ['B3', '周六在酒店举办推介会'],
      ['B4', '推荐朋友有介绍费，拉人入群'],
      ['B5', '专为老年人打造的养老项目，以房养老'],
      ['B6', '商铺售后包租，约定回购'],
      ['B7', '投资虚拟币挖矿'],
      ['B8', '交入会费，拉人头拿提成'],
      ['B9', '名额有限，招募投资人'],
      ['C7', '网上说这是资金盘，典型庞氏'],
      ['E1', '受害人组建维权群'],
      ['E2', '平台延期兑付，老板跑路失联'],
      ['E3', '专做高利贷，收砍头息'],
      ['A5', '号称央企背景'],
    ])('%s matches %s', (indicator, sample) => {
      const hits = text(sample);
      expect(ids(hits)).toContain(indicator);
      const def = sut.catalog.indicators.find((d) => d.id === indicator);
      for (const h of hits.filter((x) => x.indicator === indicator)) {
        expect(def?.terms).toContain(h.term);
        expect(h).toMatchObject({ field: 'text', anchor: def?.anchor ?? null, weight: def?.weight });
      }
    });

    it('reports a hit with the catalogue term, field, anchor and weight', () => {
      expect(text('保本保息')).toEqual([
        { indicator: 'B1', term: '保本保息', field: 'text', anchor: 'Ind', weight: 15 },
      ]);
    });

    it('keeps the longer term when a shorter term of the same group sits inside it', () => {
      expect(text('保本保息').map((h) => h.term)).toEqual(['保本保息']);
      expect(sut.screenText({ name: '天河股权众筹有限公司' }).map((h) => `${h.indicator}:${h.term}`)).toEqual([
        'A1:股权众筹',
      ]);
    });

    it('reports one hit per indicator, term and field however often the term occurs', () => {
      expect(text('保本保息保本保息，保本保息')).toHaveLength(1);
      expect(sut.screenText({ text: '保本保息', description: '保本保息' }).map((h) => h.field)).toEqual([
        'text',
        'description',
      ]);
    });

    it('restricts C4 to remarks and C1 to account names', () => {
      expect(ids(sut.screenText({ remark: '3月返息' }))).toEqual(['C4']);
      expect(ids(sut.screenText({ text: '投资本金' }))).toEqual([]);
      expect(ids(sut.screenText({ accountName: '广州天河某某财富管理有限公司' }))).toEqual(['C1']);
      expect(ids(sut.screenText({ counterpartyName: '某某投资咨询有限公司' }))).toEqual(['C1']);
    });

    it('matches latin terms only on word boundaries', () => {
      expect(ids(text('用USDT结算'))).toEqual(['B7']);
      expect(ids(text('参与 ICO 发行'))).toEqual(['B7']);
      expect(ids(text('unicode medico icon'))).toEqual([]);
      expect(ids(text('U S D T'))).toEqual(['B7']);
    });

    it('ignores empty, null and undefined fields', () => {
      expect(sut.screenText({ text: '', name: null, other: undefined })).toEqual([]);
    });
  });

  describe('obfuscation', () => {
    it.each([
      ['Traditional', '保證保本保息，高額返利', ['B1', 'B2']],
      ['Traditional name', '財富管理', ['A1']],
      ['full-width latin', 'ＵＳＤＴ理财', ['B7']],
      ['full-width digits and punctuation', '日息１％，保本！保息', ['B1', 'B2']],
      ['spaces', '保 本 保 息', ['B1']],
      ['hyphens', '保-本-保-息', ['B1']],
      ['zero-width', '高\u200b额返利', ['B2']],
      ['mixed', '高 額\u200b返-利', ['B2']],
      ['ideographic space', '养\u3000老\u3000项\u3000目', ['B5']],
    ])('%s: %s', (_label, sample, expected) => {
      const field = expected[0] === 'A1' ? 'name' : 'text';
      expect(ids(sut.screenText({ [field]: sample }))).toEqual(expected);
    });
  });

  describe('licensed institutions', () => {
    it('does not trip name rules on a licensed bank, insurer or securities firm', () => {
      for (const name of [
        '招商银行股份有限公司广州天河支行',
        '中国工商银行广州天河支行',
        '广发银行',
        '中国平安保险（集团）股份有限公司',
        '平安银行',
        '中信证券股份有限公司',
        '广州农村商业银行股份有限公司',
        '广州银行',
        '中国国际金融股份有限公司广州天河路证券营业部',
        '招联消费金融有限公司',
      ]) {
        expect({ name, hits: sut.screenText({ name }) }).toEqual({ name, hits: [] });
        expect({ name, hits: sut.screenText({ accountName: name }) }).toEqual({ name, hits: [] });
      }
    });

    it('still matches after normalisation of the whitelisted name', () => {
      expect(sut.screenText({ name: '招商銀行 股份有限公司' })).toEqual([]);
      expect(sut.screenText({ name: '中國 工商銀行' })).toEqual([]);
    });

    it('trips name rules for unlicensed names', () => {
      expect(ids(sut.screenText({ name: '天河XX财富管理有限公司' }))).toEqual(['A1']);
      expect(ids(sut.screenText({ name: '天河民间互助银行' }))).toEqual(['A2', 'A4']);
      expect(ids(sut.screenText({ name: '广州某某金融信息服务有限公司' }))).toEqual(['A1']);
      // A whitelisted name inside a longer name only covers its own characters.
      expect(ids(sut.screenText({ name: '招商银行理财俱乐部' }))).toEqual(['A1']);
    });

    it('in free text counts name rules only for entity names', () => {
      expect(ids(text('天河XX财富管理有限公司在社区举办理财讲座'))).toEqual(['A1', 'B3']);
      expect(ids(text('到招商银行购买理财产品'))).toEqual([]);
      expect(ids(text('在招商银行股份有限公司天河支行开户'))).toEqual([]);
    });
  });

  describe('warning context', () => {
    it.each([
      '警惕保本保息',
      '凡承诺高额返利的都是骗局',
      '谨防高额返利陷阱',
      '不要相信保本保息的宣传',
      '切勿相信“保本保息”',
      '警惕高额返利、保本保息等宣传',
      '高額返利均為非法',
      '防范以养老项目为名的非法集资',
    ])('a promise quoted in a warning does not count: %s', (sample) => {
      expect(text(sample)).toEqual([]);
    });

    it('counts a promise when the cue is in another clause after it', () => {
      expect(ids(text('本产品保本保息，警惕他人冒充'))).toEqual(['B1']);
      expect(ids(text('警惕诈骗。本产品保本保息'))).toEqual(['B1']);
    });

    it('counts a promise far from a cue in the same clause', () => {
      expect(ids(text('警惕他人冒充本公司的工作人员上门本产品保本保息'))).toEqual(['B1']);
    });

    it('does not neutralise name rules', () => {
      expect(ids(sut.screenText({ name: '远离财富管理有限公司' }))).toEqual(['A1']);
    });

    it('follows catalogue cue lists', () => {
      const custom = new ScreeningEngine(
        loadCatalog({ warningCues: { ...loadCatalog().warningCues, before: ['千万别信'] } }),
      );
      expect(custom.screenText({ text: '千万别信保本保息' })).toEqual([]);
      expect(ids(custom.screenText({ text: '警惕保本保息' }))).toEqual(['B1']);
    });
  });

  describe('long documents', () => {
    it('screens a document with hundreds of thousands of matches in linear time', () => {
      const doc = '本产品保本保息，警惕高额返利。招商银行天河支行理财'.repeat(20000);
      const t0 = Date.now();
      const hits = sut.screenText({ text: doc, name: doc });
      // Quadratic context checks would take minutes here; the linear ones take well under a second.
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(hits.map((h) => `${h.field}:${h.indicator}:${h.term}`).sort()).toEqual([
        'name:A1:理财',
        'name:B1:保本保息',
        'text:B1:保本保息',
      ]);
    });
  });

  describe('repeated short values in screening records', () => {
    const summary = (r: { score: number; band: string; hits: ScreeningHit[] }): string =>
      `${r.score} ${r.band} ${r.hits.map((h) => `${h.field}:${h.indicator}:${h.term}`).join(',')}`;
    const alone = (r: ScreeningRecord): string =>
      summary(new ScreeningEngine(loadCatalog()).screenRecordsSync([r]).results[0]);

    it('gives a value seen before the same hits as its first screening, in every field and call', () => {
      const engine = new ScreeningEngine(loadCatalog());
      const records: ScreeningRecord[] = [
        { ref: 'a', accountName: '天河某某财富管理有限公司', remark: '返息' },
        { ref: 'b', accountName: '天河某某财富管理有限公司', remark: '返息', counterpartyName: '张三' },
        { ref: 'c', counterpartyName: '天河某某财富管理有限公司', remark: '货款' },
        { ref: 'd', accountName: '招商银行股份有限公司广州天河支行', remark: '返息' },
      ];
      const first = engine.screenRecordsSync(records).results.map(summary);
      const again = engine
        .screenRecordsSync([...records].reverse())
        .results.map(summary)
        .reverse();
      expect(first).toEqual(records.map(alone));
      expect(again).toEqual(first);
      expect(first[0]).toContain('accountName:C1:财富管理');
      expect(first[0]).toContain('remark:C4:返息');
      expect(first[3]).not.toContain(':C1:');
    });

    it('keeps screening correctly once more distinct values came than it remembers', () => {
      const engine = new ScreeningEngine(loadCatalog());
      const many: ScreeningRecord[] = Array.from({ length: 5000 }, (_, i) => ({
        ref: `r${i}`,
        accountName: i % 2 ? `天河${i}号财富管理有限公司` : `张${i}`,
      }));
      engine.screenRecordsSync(many);
      const probe = many.slice(0, 3);
      expect(engine.screenRecordsSync(probe).results.map(summary)).toEqual(probe.map(alone));
      expect(engine.screenRecordsSync(many).results.map(summary)[4999]).toBe(alone(many[4999]));
    });
  });

  describe('configuration', () => {
    it('uses catalogue weights and terms', () => {
      const custom = new ScreeningEngine(loadCatalog({ weights: { B1: 3 } }));
      expect(custom.screenText({ text: '保本保息' })[0].weight).toBe(3);
      const catalog = loadCatalog();
      catalog.indicators.find((d) => d.id === 'B2')?.terms?.push('躺赚');
      expect(ids(new ScreeningEngine(catalog).screenText({ text: '每天躺赚' }))).toEqual(['B2']);
    });
  });
});
