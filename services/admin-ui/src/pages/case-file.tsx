import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Descriptions, Space, Table, Tag, Typography } from 'antd';
import { api, ApiError } from '../api/client';
import type { CaseFile, CaseMeasure } from '../api/types';
import { formatTime, TimeLeft } from '../components/tags';
import { useI18n } from '../i18n/i18n';

/** The lead's disposal case (escalation's view through the gateway); shared by the case card and the action forms. */
export function useCaseFile(leadId: string, enabled: boolean) {
  return useQuery({
    queryKey: ['case', leadId],
    queryFn: () => api<CaseFile>(`/api/v1/leads/${encodeURIComponent(leadId)}/case`),
    enabled,
  });
}

const CLOCK_COLOR: Record<CaseFile['clocks'][number]['status'], string> = {
  RUNNING: 'processing',
  MET: 'success',
  BREACHED: 'error',
  LAPSED: 'default',
  CANCELLED: 'default',
};
const MEASURE_COLOR: Record<CaseMeasure['status'], string> = {
  REQUESTED: 'warning',
  ACTIVE: 'processing',
  RELEASED: 'default',
  DECIDED: 'success',
  REFUSED: 'error',
};

/**
 * 处置案件: where the case stands, who handles it, its legal deadlines (running ones first, with the days left), the
 * measures with their approvals, the investigators, tasks and the reports sent out.
 */
export function CaseFileCard({ leadId }: { leadId: string }) {
  const { t, tx, lang } = useI18n();
  const file = useCaseFile(leadId, true);
  if (file.isLoading) return <Card title={t('case.title')} size="small" loading />;
  if (file.error)
    return (
      <Card title={t('case.title')} size="small">
        <Alert type="warning" showIcon message={t('case.loadError', { e: (file.error as ApiError).detail })} />
      </Card>
    );
  const c = file.data!;
  const who = (id: string | null) => (id ? (c.names[id] ?? id) : '—');
  const clocks = [...c.clocks].sort(
    (a, b) => Number(b.status === 'RUNNING') - Number(a.status === 'RUNNING') || a.dueAt.localeCompare(b.dueAt),
  );

  return (
    <Card
      size="small"
      data-testid="case-file"
      data-state={c.state}
      title={
        <Space wrap>
          {t('case.title')}
          <Typography.Text code>{c.caseNo}</Typography.Text>
          <Tag color="volcano" data-testid="case-state">
            {tx('caseState', c.state)}
          </Tag>
        </Space>
      }
    >
      <Space direction="vertical" size="middle" style={{ width: '100%' }}>
        <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }}>
          <Descriptions.Item label={t('case.path')}>{tx('rec', c.path)}</Descriptions.Item>
          <Descriptions.Item label={t('case.handler')}>
            <span data-testid="case-handler">{who(c.handlerId)}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('case.decidedBy')}>{who(c.decidedBy)}</Descriptions.Item>
          <Descriptions.Item label={t('case.jurisdiction')}>{tx('jur', c.jurisdiction)}</Descriptions.Item>
          {c.authority && (
            <Descriptions.Item label={t('case.authority')}>
              {c.authority.agency ?? c.authority.system}
            </Descriptions.Item>
          )}
          <Descriptions.Item label={t('case.openedAt')}>{formatTime(c.openedAt, lang)}</Descriptions.Item>
          <Descriptions.Item label={t('case.investigators')} span={3}>
            <span data-testid="case-investigators">
              {c.investigators.length
                ? c.investigators.map((i) => `${i.name}（${i.badgeNo}）`).join('、')
                : t('case.investigators.none')}
            </span>
          </Descriptions.Item>
        </Descriptions>

        <Table
          size="small"
          title={() => <b>{t('case.clocks')}</b>}
          rowKey="id"
          pagination={false}
          dataSource={clocks}
          scroll={{ x: 720 }}
          locale={{ emptyText: t('app.none') }}
          onRow={(r) => ({ 'data-testid': 'case-clock', 'data-kind': r.kind, 'data-status': r.status }) as object}
          columns={[
            {
              title: t('case.clock.kind'),
              dataIndex: 'kind',
              render: (k: string) => tx('clock', k),
            },
            { title: t('case.clock.basis'), dataIndex: 'legalBasis', render: (v: string | null) => v ?? '—' },
            {
              title: t('case.clock.started'),
              dataIndex: 'startedAt',
              width: 150,
              render: (v: string) => formatTime(v, lang),
            },
            {
              title: t('case.clock.due'),
              dataIndex: 'dueAt',
              width: 170,
              render: (v: string, r) => (
                <Space direction="vertical" size={0}>
                  <span data-testid="case-clock-due">{formatTime(v, lang)}</span>
                  {r.status === 'RUNNING' && <TimeLeft dueAt={v} />}
                </Space>
              ),
            },
            {
              title: t('case.clock.status'),
              dataIndex: 'status',
              width: 110,
              render: (v: CaseFile['clocks'][number]['status']) => (
                <Tag color={CLOCK_COLOR[v]}>{tx('clockStatus', v)}</Tag>
              ),
            },
          ]}
        />

        {c.measures.length > 0 && (
          <Table
            size="small"
            title={() => <b>{t('case.measures')}</b>}
            rowKey="id"
            pagination={false}
            dataSource={c.measures}
            scroll={{ x: 720 }}
            onRow={(r) => ({ 'data-testid': 'case-measure', 'data-status': r.status }) as object}
            columns={[
              { title: t('case.measure.type'), dataIndex: 'measureType', render: (v: string) => tx('measure', v) },
              { title: t('case.measure.description'), dataIndex: 'description', ellipsis: true },
              {
                title: t('case.measure.status'),
                dataIndex: 'status',
                width: 130,
                render: (v: CaseMeasure['status'], r) => (
                  <Space size={4}>
                    <Tag color={MEASURE_COLOR[v]}>{tx('measureStatus', v)}</Tag>
                    {r.extended && <Tag>{t('case.measure.extended')}</Tag>}
                  </Space>
                ),
              },
              { title: t('case.measure.requestedBy'), dataIndex: 'requestedBy', width: 120, render: who },
              { title: t('case.measure.approvedBy'), dataIndex: 'approvedBy', width: 120, render: who },
              {
                title: t('case.measure.endsAt'),
                dataIndex: 'endsAt',
                width: 150,
                render: (v: string | null) => formatTime(v, lang),
              },
            ]}
          />
        )}

        {c.tasks.length > 0 && (
          <Table
            size="small"
            title={() => <b>{t('case.tasks')}</b>}
            rowKey="id"
            pagination={false}
            dataSource={c.tasks}
            scroll={{ x: 600 }}
            columns={[
              { title: t('case.task.summary'), dataIndex: 'summary' },
              { title: t('case.task.assignee'), dataIndex: 'assigneeId', width: 120, render: who },
              {
                title: t('case.task.due'),
                dataIndex: 'dueAt',
                width: 150,
                render: (v: string | null) => formatTime(v, lang),
              },
              {
                title: t('case.task.status'),
                dataIndex: 'status',
                width: 100,
                render: (v: string) => tx('taskStatus', v),
              },
            ]}
          />
        )}

        {c.reports.length > 0 && (
          <Table
            size="small"
            title={() => <b>{t('case.reports')}</b>}
            rowKey="id"
            pagination={false}
            dataSource={c.reports}
            scroll={{ x: 600 }}
            columns={[
              { title: t('case.report.system'), dataIndex: 'to', render: (v: string | null, r) => v ?? r.system },
              {
                title: t('case.report.purpose'),
                dataIndex: 'purpose',
                render: (v: string) => tx('reportPurpose', v),
              },
              {
                title: t('case.report.status'),
                dataIndex: 'status',
                width: 120,
                render: (v: string) => tx('reportStatus', v),
              },
              { title: t('case.report.ref'), dataIndex: 'externalRef', render: (v: string | null) => v ?? '—' },
            ]}
          />
        )}
      </Space>
    </Card>
  );
}
