import { CatalogError, loadCatalog } from './load-catalog';

describe(loadCatalog.name, () => {
  it('loads the versioned built-in catalogue with every DOMAIN §5 indicator', () => {
    const sut = loadCatalog();
    expect(sut.version).toBe('2026.11-1');
    const ids = sut.indicators.map((d) => d.id);
    for (const id of [
      'A1',
      'A2',
      'A3',
      'A4',
      'A5',
      'B1',
      'B2',
      'B3',
      'B4',
      'B5',
      'B6',
      'B7',
      'B8',
      'B9',
      'C1',
      'C2',
      'C3',
      'C4',
      'C5',
      'C6',
      'C7',
      'C8',
      'D1',
      'D2',
      'D3',
      'D4',
      'D5',
      'D6',
      'D7',
      'E1',
      'E2',
      'E3',
    ]) {
      expect(ids).toContain(id);
    }
    expect(sut.indicators.find((d) => d.id === 'B1')).toMatchObject({ weight: 15, anchor: 'Ind', kind: 'TERM' });
    expect(sut.indicators.find((d) => d.id === 'E2')).toMatchObject({ weight: 20, critical: true });
    expect(sut.thresholds).toEqual({
      amountYuan: [500000, 1000000, 5000000, 50000000],
      participants: [150, 500, 5000],
      lossYuan: [250000, 500000, 2500000, 25000000],
    });
    expect(sut.bands.orangeScore).toBe(30);
    expect(sut.licensedInstitutions).toEqual(
      expect.arrayContaining([
        '中国工商银行',
        '招商银行',
        '广发银行',
        '中国平安保险',
        '平安银行',
        '中信证券',
        '广州农村商业银行',
        '广州银行',
      ]),
    );
  });

  it('overrides single weights and whole sections without touching the built-in data', () => {
    const sut = loadCatalog({ weights: { B1: 20 }, bands: { orangeScore: 25, yellowScore: 0 }, version: 'test-1' });
    expect(sut.indicators.find((d) => d.id === 'B1')?.weight).toBe(20);
    expect(sut.bands.orangeScore).toBe(25);
    expect(sut.version).toBe('test-1');
    sut.indicators[0].weight = 999;
    const fresh = loadCatalog();
    expect(fresh.indicators.find((d) => d.id === 'B1')?.weight).toBe(15);
    expect(fresh.indicators[0].weight).not.toBe(999);
  });

  it('rejects inconsistent catalogues with the offending path', () => {
    expect(() => loadCatalog({ weights: { Z9: 1 } })).toThrow(new CatalogError('weights.Z9: unknown indicator'));
    expect(() => loadCatalog({ weights: { B1: -1 } })).toThrow(/indicators\[\d+\]\.weight/);
    expect(() =>
      loadCatalog({ thresholds: { amountYuan: [2, 1, 3, 4], participants: [1, 2, 3], lossYuan: [1, 2, 3, 4] } }),
    ).toThrow(/thresholds\.amountYuan/);
    const base = loadCatalog();
    expect(() => loadCatalog({ indicators: [...base.indicators, { ...base.indicators[0] }] })).toThrow(/duplicate A1/);
  });
});
