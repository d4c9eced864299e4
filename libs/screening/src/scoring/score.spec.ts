import type { ScreeningHit } from '@outpost/contracts';
import { loadCatalog } from '../catalog/load-catalog';
import { generateBenchmarkRecords } from '../bench/benchmark-engine';
import { ScreeningEngine } from '../screening.engine';
import { QuickScorer } from './score';

const sut = new ScreeningEngine(loadCatalog());
const hitsFor = (text: string): ScreeningHit[] => sut.screenText({ text });

describe('ScreeningEngine.score', () => {
  it('is none without hits or facts', () => {
    expect(sut.score([])).toEqual({
      score: 0,
      band: 'none',
      checklist: { I: 'none', P: 'none', Ind: 'none', S: 'none' },
      explanation: [],
      critical: false,
      prosecutable: false,
    });
  });

  it('sums weight × confidence once per indicator and explains every point', () => {
    const r = sut.score(hitsFor('保本保息，稳赚不赔，推介会'));
    expect(r.score).toBe(23);
    expect(r.band).toBe('yellow');
    expect(r.explanation).toEqual([
      {
        indicator: 'B1',
        label: '承诺保本保息',
        anchor: 'Ind',
        weight: 15,
        confidence: 1,
        points: 15,
        evidence: 'text「保本保息」；text「稳赚不赔」',
      },
      {
        indicator: 'B3',
        label: '公开宣传',
        anchor: 'P',
        weight: 8,
        confidence: 1,
        points: 8,
        evidence: 'text「推介会」',
      },
    ]);
    expect(r.explanation.reduce((a, l) => a + l.points, 0)).toBe(r.score);
    expect(r.checklist).toEqual({ I: 'none', P: 'suspected', Ind: 'evidenced', S: 'none' });
  });

  it('is orange at score ≥ 30 and at three evidenced characteristics', () => {
    expect(sut.score(hitsFor('保本保息，高额返利，推介会')).band).toBe('orange'); // 35
    const hits = [...sut.screenText({ name: '某某财富管理有限公司' }), ...hitsFor('保本保息'), ...hitsFor('养老项目')];
    // With the score threshold out of reach, the three evidenced characteristics alone make it orange.
    const three = new ScreeningEngine(loadCatalog({ bands: { orangeScore: 1000, yellowScore: 0 } })).score(hits);
    expect(three.checklist).toEqual({ I: 'evidenced', P: 'none', Ind: 'evidenced', S: 'evidenced' });
    expect(three.band).toBe('orange');
  });

  it('is red when all four characteristics are evidenced', () => {
    const r = sut.score([
      ...sut.screenText({ name: '某某财富管理有限公司' }),
      ...hitsFor('保本保息，推介会，名额有限，养老项目'),
    ]);
    expect(r.checklist).toEqual({ I: 'evidenced', P: 'evidenced', Ind: 'evidenced', S: 'evidenced' });
    expect(r.band).toBe('red');
  });

  it('is red on any critical signal', () => {
    const r = sut.score(hitsFor('老板跑路了'));
    expect(r).toMatchObject({ score: 20, band: 'red', critical: true });
  });

  it('is yellow for any lesser hit', () => {
    expect(sut.score(hitsFor('微信群')).band).toBe('yellow');
  });

  describe('D1–D3 tiers (SPC Art. 3–5)', () => {
    it.each([
      [{ amountYuan: 499999 }, 0, 'none', false],
      [{ amountYuan: 500000 }, 0, 'none', false],
      [{ amountYuan: 1000000 }, 8, 'red', true],
      [{ amountYuan: 5000000 }, 12, 'red', true],
      [{ amountYuan: 50000000 }, 15, 'red', true],
      [{ participants: 149 }, 0, 'none', false],
      [{ participants: 150 }, 8, 'red', true],
      [{ participants: 500 }, 12, 'red', true],
      [{ participants: 5000 }, 15, 'red', true],
      [{ lossYuan: 250000 }, 0, 'none', false],
      [{ lossYuan: 500000 }, 8, 'red', true],
      [{ lossYuan: 2500000 }, 12, 'red', true],
      [{ lossYuan: 25000000 }, 15, 'red', true],
    ])('%j → %d points, %s', (facts, points, band, prosecutable) => {
      const r = sut.score([], facts);
      expect(r.score).toBe(points);
      expect(r.band).toBe(band);
      expect(r.prosecutable).toBe(prosecutable);
    });

    it('the lower bar (50万 / loss 25万) is prosecutable with a prior record, which also adds D7', () => {
      const r = sut.score([], { amountYuan: 600000, priorRecord: true });
      expect(r.prosecutable).toBe(true);
      expect(r.band).toBe('red');
      expect(r.explanation.map((l) => [l.indicator, l.points])).toEqual([
        ['D1', 8],
        ['D7', 10],
      ]);
      expect(sut.score([], { lossYuan: 300000, priorRecord: true }).prosecutable).toBe(true);
    });

    it('ignores missing and null estimates', () => {
      expect(sut.score([], { amountYuan: null, participants: undefined, lossYuan: Number.NaN }).explanation).toEqual(
        [],
      );
    });

    it('uses the configured tier weights', () => {
      const custom = new ScreeningEngine(
        loadCatalog({
          tiers: {
            ...loadCatalog().tiers,
            weights: { amountYuan: [1, 2, 3, 4], participants: [5, 6, 7], lossYuan: [1, 2, 3, 4] },
          },
        }),
      );
      expect(custom.score([], { participants: 600 }).score).toBe(6);
    });
  });

  it('B5 from elderlyInvolved, once even with a text hit', () => {
    expect(sut.score([], { elderlyInvolved: true })).toMatchObject({
      score: 10,
      band: 'yellow',
      checklist: { S: 'evidenced' },
    });
    expect(sut.score(hitsFor('养老项目'), { elderlyInvolved: true }).score).toBe(10);
    expect(sut.score([], { elderlyInvolved: false }).band).toBe('none');
  });

  it('E1 per complaint, capped', () => {
    expect(sut.score([], { complaintCount: 2 }).score).toBe(12);
    expect(sut.score([], { complaintCount: 10 }).score).toBe(18);
    expect(sut.score(hitsFor('受害人报案'), { complaintCount: 1 }).explanation).toEqual([
      expect.objectContaining({
        indicator: 'E1',
        points: 6,
        evidence: 'text「受害人」；text「报案」；complaintCount=1',
      }),
    ]);
  });

  it('uses catalogue weights and confidence over weights recorded on the hit', () => {
    const catalog = loadCatalog({ weights: { B1: 10 } });
    const b1 = catalog.indicators.find((d) => d.id === 'B1');
    if (b1) b1.confidence = 0.5;
    const r = new ScreeningEngine(catalog).score([
      { indicator: 'B1', term: '保本保息', field: 'text', anchor: 'Ind', weight: 15 },
    ]);
    expect(r.explanation[0]).toMatchObject({ weight: 10, confidence: 0.5, points: 5 });
    expect(sut.score([{ indicator: 'X9', term: 't', field: 'f', anchor: null, weight: 4 }]).score).toBe(4);
  });

  it('the bulk scorer gives the same score and band as the full scorer', () => {
    const catalog = loadCatalog();
    const quick = new QuickScorer(catalog, new Map(catalog.indicators.map((d) => [d.id, d])));
    for (const r of sut.screenRecordsSync(generateBenchmarkRecords(2000, 42)).results) {
      const full = sut.score(r.hits);
      expect(quick.score(r.hits)).toEqual({ score: full.score, band: full.band });
      expect({ score: r.score, band: r.band }).toEqual({ score: full.score, band: full.band });
    }
  });

  it('scores hits given by catalogue position exactly as hits given by indicator id', () => {
    const catalog = loadCatalog();
    const quick = new QuickScorer(catalog, new Map(catalog.indicators.map((d) => [d.id, d])));
    for (const r of sut.screenRecordsSync(generateBenchmarkRecords(500, 7)).results) {
      const order = Int32Array.from(r.hits, (h) => quick.indexOf(h.indicator) ?? -1);
      expect(quick.scoreIndexed(order, order.length)).toEqual(quick.score(r.hits));
    }
    expect(quick.indexOf('B1')).toBe(catalog.indicators.findIndex((d) => d.id === 'B1'));
    expect(quick.indexOf('nope')).toBeUndefined();
    expect(quick.scoreIndexed(new Int32Array(4), 0)).toEqual({ score: 0, band: 'none' });
  });
});
