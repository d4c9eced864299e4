import ExcelJS from 'exceljs';
import type { LeadSummary } from '../read-model/lead-view.repository';
import { leadSheet } from './export.controller';
import { beijingTime, toCsv, toXlsx, type Sheet } from './tabular';

const lead = (o: Partial<LeadSummary> = {}): LeadSummary => ({
  id: 'lead-1',
  reference: 'TH-20261201-000001',
  title: '鑫汇财富高息揽储',
  status: 'OPINION_SUBMITTED',
  stage: 'assessment',
  band: 'orange',
  score: 58,
  category: 'IF-XS',
  sourceChannel: 'PUBLIC_REPORT',
  streetCode: '440106001',
  streetName: '沙河街',
  gridIds: ['G-440106001-C01'],
  assignee: { id: 'p-volunteer-1', name: '李志愿' },
  holder: { id: 'p-volunteer-1', name: '李志愿' },
  dueAt: '2026-12-03T15:59:59.999Z',
  overdue: false,
  breachCount: 0,
  caseNo: null,
  decision: null,
  outcome: null,
  linkedTo: null,
  reportedAt: '2026-11-30T16:05:00.000Z',
  closedAt: null,
  updatedAt: '2026-12-01T02:00:00.000Z',
  ...o,
});

const csvLines = (rows: LeadSummary[]) => toCsv(leadSheet(rows)).toString('utf8').slice(1).trim().split('\r\n');

describe('lead export sheet', () => {
  it('formats instants in Beijing time (UTC+8), seconds kept', () => {
    expect(beijingTime('2026-12-03T15:59:59.999Z')).toBe('2026-12-03 23:59:59');
    expect(beijingTime('2026-12-31T16:00:00.000Z')).toBe('2027-01-01 00:00:00');
    expect(beijingTime(null)).toBeNull();
    expect(beijingTime('not a date')).toBeNull();
  });

  it('writes the CSV with Chinese labels, the category code kept, and Beijing times', () => {
    const [header, row] = csvLines([lead()]);
    expect(header).toBe(
      '编号,标题,状态,阶段,风险等级,风险分,类别,来源渠道,街道,网格,承办人,研判人,处置决定,期限,是否超期,超时次数,案件号,上报时间,办结时间,办结结果,线索ID',
    );
    expect(row).toBe(
      'TH-20261201-000001,鑫汇财富高息揽储,已提交意见,研判,橙色,58,非法吸收公众存款（IF-XS）,群众举报,沙河街,G-440106001-C01,李志愿,李志愿,,2026-12-03 23:59:59,否,0,,2026-12-01 00:05:00,,,lead-1',
    );
    expect(row).not.toMatch(/OPINION_SUBMITTED|assessment|orange|PUBLIC_REPORT|\d{2}T\d{2}|Z,/);
  });

  it('labels decision and outcome codes too, and leaves unknown codes readable', () => {
    const [, decided] = csvLines([
      lead({
        status: 'DISPOSING',
        stage: 'escalation',
        band: 'red',
        category: 'IF-SM',
        sourceChannel: 'BANK_MONITOR',
        decision: 'REFER_POLICE',
        caseNo: '天打非〔2026〕1号',
        closedAt: '2026-12-10T01:02:03.000Z',
        outcome: 'POLICE_FILED',
      }),
    ]);
    expect(decided).toContain(',处置中,处置,红色,');
    expect(decided).toContain(',非法私募（IF-SM）,银行监测,');
    expect(decided).toContain(',移送公安机关,');
    expect(decided).toContain(',2026-12-10 09:02:03,公安已立案,lead-1');
    const [, odd] = csvLines([
      lead({ status: null, stage: null, band: 'purple', category: null, sourceChannel: 'FAX', dueAt: null }),
    ]);
    expect(odd).toContain('鑫汇财富高息揽储,,,purple,58,,FAX,');
  });

  it('keeps CSV formula injection defused in labelled sheets', () => {
    const [, row] = csvLines([lead({ title: '=HYPERLINK("http://x")', category: '-1+1' })]);
    expect(row).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(row).toContain(`'-1+1（-1+1）`);
  });

  it('writes the same labelled values into the XLSX', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await toXlsx([leadSheet([lead()]) as Sheet])) as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    const byHeader = new Map<string, unknown>();
    ws.getRow(1).eachCell((c, i) => byHeader.set(String(c.value), ws.getRow(2).getCell(i).value));
    expect(Object.fromEntries(byHeader)).toMatchObject({
      状态: '已提交意见',
      阶段: '研判',
      风险等级: '橙色',
      类别: '非法吸收公众存款（IF-XS）',
      来源渠道: '群众举报',
      期限: '2026-12-03 23:59:59',
      上报时间: '2026-12-01 00:05:00',
    });
  });
});
