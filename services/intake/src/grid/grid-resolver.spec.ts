import data from './data/tianhe-grid.v1.json';
import { GridResolver, type GridReferenceData } from './grid-resolver';

describe(GridResolver.name, () => {
  const sut = new GridResolver(data as unknown as GridReferenceData);

  it('has the 21 Tianhe streets and the grids every service relies on', () => {
    expect(data.streets).toHaveLength(21);
    const ids = data.grids.map((g) => g.id);
    for (const id of [
      'G-440106001-C01',
      'G-440106001-C02',
      'G-440106001-P01',
      'G-440106002-C01',
      'G-440106002-P01',
      'G-440106005-C01',
      'G-440106005-B01',
      'G-440106005-P01',
      'G-440106006-C01',
      'G-440106006-B01',
    ]) {
      expect(ids).toContain(id);
    }
    for (const s of data.streets) expect(ids).toContain(`G-${s.code}-C01`);
  });

  it('resolves a standard address code and a building code to every grid of the address', () => {
    const byCode = sut.resolve({ standardAddressCode: 'SA-440106005-0001' });
    expect(byCode).toMatchObject({
      resolvedBy: 'STANDARD_ADDRESS',
      streetCode: '440106005',
      streetName: '石牌街',
      unresolved: false,
    });
    expect(byCode.gridIds).toEqual(['G-440106005-C01', 'G-440106005-B01', 'G-440106005-P01']);
    expect(sut.resolve({ buildingCode: '440106-0101-0208' }).gridIds).toEqual(['G-440106006-C01', 'G-440106006-B01']);
  });

  it('places a point in every layer that contains it (community, building, police)', () => {
    const p = sut.resolve({ lat: 23.1612, lng: 113.3195 });
    expect(p).toMatchObject({ resolvedBy: 'POINT_IN_POLYGON', streetCode: '440106001', communityCode: '440106001002' });
    expect(p.gridIds).toEqual(['G-440106001-C02', 'G-440106001-P01']);
    expect(sut.resolve({ lat: 23.1325, lng: 113.3245 }).gridIds).toEqual(['G-440106006-C01', 'G-440106006-B01']);
  });

  it('falls back to names in the address text, longest first', () => {
    expect(sut.resolve({ addressText: '天河路 208 号天河城三楼' })).toMatchObject({
      resolvedBy: 'ADDRESS_TEXT',
      standardAddressCode: 'SA-440106006-0001',
    });
    expect(sut.resolve({ addressText: '天河南街体育东社区某写字楼' }).gridIds).toEqual(['G-440106006-C01']);
    expect(sut.resolve({ addressText: '五山街某小区' }).gridIds).toEqual(['G-440106002-C01']);
    // 沙河街 has two community grids: the street is known, the grid is not.
    expect(sut.resolve({ addressText: '沙河街某处' })).toMatchObject({
      streetCode: '440106001',
      gridIds: [],
      unresolved: true,
    });
  });

  it('sends what it cannot place to the district pool, flagged', () => {
    expect(sut.resolve({ addressText: '北京市朝阳区', lat: 39.9, lng: 116.4 })).toMatchObject({
      resolvedBy: 'UNRESOLVED',
      unresolved: true,
      gridIds: [],
    });
    expect(sut.resolve(undefined)).toMatchObject({ resolvedBy: 'UNRESOLVED', unresolved: true });
  });
});
