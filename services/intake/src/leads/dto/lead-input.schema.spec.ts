import { leadInputSchema, validateLead } from './lead-input.schema';
import { usccCheckChar, usccProblem } from './uscc';

const validUscc = (first17: string) => first17 + usccCheckChar(first17);

describe('leadInputSchema', () => {
  const minimal = { sourceChannel: 'PATROL', description: '社区发现推介会宣传保本保息' };

  it('accepts a minimal lead and fills defaults', () => {
    const r = leadInputSchema.parse(minimal);
    expect(r).toMatchObject({ subjects: [], channels: [], confidentiality: 'NORMAL', externalRefs: [] });
  });

  it('validates the USCC check character', () => {
    const good = validUscc('91440106MA5CXXXX0');
    expect(usccProblem(good)).toBeNull();
    expect(usccProblem('91440106MA5CXXXX0' + (good[17] === '1' ? '2' : '1'))).toBe('checksum');
    expect(usccProblem('123')).toBe('length');
    expect(usccProblem('91440106MA5CXXXXOI')).toBe('characters');
    expect(
      leadInputSchema.safeParse({
        ...minimal,
        subjects: [{ kind: 'ENTERPRISE', name: '某公司', uscc: good.toLowerCase() }],
      }).success,
    ).toBe(true);
  });

  it('lists every offending path: bad enum, impossible dates, bad uscc, unknown field', () => {
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const r = validateLead({
      sourceChannel: 'FAX',
      description: '',
      discoveredAt: future,
      reportedAt: '2026-02-30T10:00:00+08:00',
      subjects: [{ kind: 'ENTERPRISE', name: '某公司', uscc: '12345' }],
      surprise: true,
    });
    expect(r.ok).toBe(false);
    const paths = r.ok ? [] : r.errors.map((e) => e.path).sort();
    expect(paths).toEqual([
      'description',
      'discoveredAt',
      'reportedAt',
      'sourceChannel',
      'subjects/0/uscc',
      'surprise',
    ]);
  });

  it('refuses discoveredAt after reportedAt and in the future', () => {
    const r = validateLead({
      ...minimal,
      discoveredAt: '2026-03-02T10:00:00+08:00',
      reportedAt: '2026-03-01T10:00:00+08:00',
    });
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual(['discoveredAt']);
    const f = validateLead({ ...minimal, discoveredAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect(f.ok ? [] : f.errors.map((e) => e.path)).toEqual(['discoveredAt']);
  });
});
