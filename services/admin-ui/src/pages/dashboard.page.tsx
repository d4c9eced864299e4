import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Alert, App, Button, Card, Col, Progress, Row, Select, Space, Spin, Statistic, Table } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import { Bar, Column, Line, Pie } from '@ant-design/plots';
import { api, ApiError, downloadWithProgress, queryString, errorText } from '../api/client';
import type { Dashboard, KeyCount } from '../api/types';
import type { MessageKey } from '../i18n/dict';
import { useI18n } from '../i18n/i18n';

const BAND_COLORS: Record<string, string> = { red: '#cf1322', orange: '#fa8c16', yellow: '#fadb14', none: '#bfbfbf' };

export default function DashboardPage() {
  const { t, tx } = useI18n();
  const { message } = App.useApp();
  const [weeks, setWeeks] = useState(12);
  const [exporting, setExporting] = useState<number | null | undefined>(undefined);
  const q = useQuery({
    queryKey: ['dashboard', weeks],
    queryFn: () => api<Dashboard>(`/api/v1/dashboard${queryString({ weeks })}`),
  });

  const exportAll = async () => {
    setExporting(0);
    try {
      await downloadWithProgress(
        `/api/v1/dashboard/export${queryString({ weeks, format: 'xlsx' })}`,
        'dashboard.xlsx',
        (p) => setExporting(p),
      );
      message.success(t('list.export.done'));
    } catch (e) {
      message.error(errorText(e));
    } finally {
      setTimeout(() => setExporting(undefined), 600);
    }
  };

  if (q.isLoading) return <Spin style={{ display: 'block', margin: 48 }} />;
  if (q.error) return <Alert type="error" showIcon message={(q.error as ApiError).detail} />;
  const d = q.data!;
  // `missing` names the rows without a value (a lead not yet categorised, scored or placed).
  const label = (prefix: string, rows: KeyCount[], missing: MessageKey) =>
    rows.map((r) => ({ name: r.key ? tx(prefix, r.key) : t(missing), count: r.count, key: r.key ?? '' }));
  const trend = d.trend.flatMap((w) => [
    { week: w.week, series: t('dash.reported'), value: w.reported },
    { week: w.week, series: t('dash.closedCount'), value: w.closed },
    { week: w.week, series: t('dash.breaches'), value: w.breaches },
  ]);
  const chartHeight = 260;

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="dashboard">
      <Card
        title={<span data-testid="page-title">{t('dash.title')}</span>}
        extra={
          <Space wrap>
            <Select
              value={weeks}
              onChange={setWeeks}
              options={[4, 12, 26, 52].map((n) => ({ value: n, label: t('dash.weeks', { n }) }))}
              style={{ width: 130 }}
            />
            <Button icon={<DownloadOutlined />} onClick={() => void exportAll()} loading={exporting !== undefined}>
              {t('dash.export')}
            </Button>
          </Space>
        }
      >
        {exporting !== undefined && (
          <Progress percent={exporting ?? 50} showInfo={exporting !== null} status="active" size="small" />
        )}
        <Row gutter={[16, 16]}>
          <Col xs={12} md={4}>
            <Statistic
              title={t('dash.total')}
              value={d.totals.total}
              suffix={
                d.totals.linked > 0 && (
                  <span style={{ fontSize: 13 }} data-testid="dash-linked">
                    {t('dash.linkedIncluded', { n: String(d.totals.linked) })}
                  </span>
                )
              }
            />
          </Col>
          <Col xs={12} md={4}>
            <Statistic title={t('dash.open')} value={d.totals.open} />
          </Col>
          <Col xs={12} md={4}>
            <Statistic title={t('dash.closed')} value={d.totals.closed} />
          </Col>
          <Col xs={12} md={4}>
            <Statistic
              title={t('dash.overdue')}
              value={d.totals.overdue}
              valueStyle={{ color: d.totals.overdue ? '#cf1322' : undefined }}
            />
          </Col>
          <Col xs={12} md={4}>
            <Statistic title={t('dash.breachedLeads')} value={d.sla.breachedLeads} />
          </Col>
          <Col xs={12} md={4}>
            <div style={{ textAlign: 'center' }}>
              <div style={{ color: 'rgba(0,0,0,.45)', marginBottom: 4 }}>{t('dash.sla')}</div>
              <Progress
                type="dashboard"
                size={90}
                percent={d.totals.slaCompliancePct}
                status={d.totals.slaCompliancePct < 90 ? 'exception' : 'normal'}
              />
            </div>
          </Col>
        </Row>
      </Card>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={12}>
          <Card title={t('dash.byStage')} size="small">
            <Column
              data={label('stage', d.byStage, 'dash.unknownValue')}
              xField="name"
              yField="count"
              height={chartHeight}
              label={{ text: 'count', position: 'inside' }}
            />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('dash.byBand')} size="small">
            <Pie
              data={label('band', d.byBand, 'dash.unscored')}
              angleField="count"
              colorField="name"
              height={chartHeight}
              innerRadius={0.5}
              scale={{ color: { range: d.byBand.map((b) => BAND_COLORS[b.key ?? 'none'] ?? '#8c8c8c') } }}
              label={{ text: 'count' }}
            />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('dash.byStreet')} size="small">
            <Bar
              data={d.byStreet.map((r) => ({ name: r.name ?? r.key ?? t('dash.unknown'), count: r.count }))}
              xField="name"
              yField="count"
              height={chartHeight}
            />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('dash.byGrid')} size="small">
            <Bar
              data={d.byGrid.map((r) => ({ name: r.key ?? t('dash.unknown'), count: r.count }))}
              xField="name"
              yField="count"
              height={chartHeight}
            />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('dash.byCategory')} size="small">
            <Pie
              data={label('cat', d.byCategory, 'dash.uncategorised')}
              angleField="count"
              colorField="name"
              height={chartHeight}
              label={{ text: 'count' }}
            />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('dash.trend')} size="small">
            <Line data={trend} xField="week" yField="value" colorField="series" height={chartHeight} point />
          </Card>
        </Col>
        <Col xs={24}>
          <Card title={t('dash.slaByKind')} size="small">
            <Table
              size="small"
              rowKey={(r) => `${r.key}-${r.service}`}
              pagination={false}
              dataSource={d.sla.byKind}
              locale={{ emptyText: t('app.none') }}
              columns={[
                { title: t('dash.kind'), dataIndex: 'key' },
                { title: t('dash.service'), dataIndex: 'service', render: (v: string) => tx('svc', v) },
                { title: t('dash.count'), dataIndex: 'count' },
              ]}
            />
          </Card>
        </Col>
      </Row>
    </Space>
  );
}
