import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useQuery } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Grid,
  Input,
  List,
  Progress,
  Row,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import { DownloadOutlined, ReloadOutlined } from '@ant-design/icons';
import { api, ApiError, downloadWithProgress, queryString, errorText } from '../api/client';
import { BANDS, CATEGORIES, STAGES, type LeadSummary, type Page } from '../api/types';
import { useAuth } from '../auth/auth';
import { BandTag, formatTime, StatusTag, TimeLeft } from '../components/tags';
import { useI18n } from '../i18n/i18n';
import { queueOf } from '../layout/queues';

interface Filters {
  stage?: string[];
  band?: string[];
  category?: string[];
  street?: string;
  grid?: string;
  q?: string;
}

export default function LeadsPage() {
  const { queue } = useParams();
  return <LeadsList key={queue ?? 'all'} queue={queue} />;
}

function LeadsList({ queue }: { queue: string | undefined }) {
  const { t, tx, lang } = useI18n();
  const { user } = useAuth();
  const { message } = App.useApp();
  const mobile = !Grid.useBreakpoint().md;
  const [filters, setFilters] = useState<Filters>({});
  const [draftQ, setDraftQ] = useState('');
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  /** The list's order: a column header's (due time, score, reported) or the queue's own. */
  const defaultSort = queue === 'overdue' ? 'dueAt' : '-reportedAt';
  const [sort, setSort] = useState<string>(defaultSort);
  const orderOf = (field: string) =>
    sort === field ? ('ascend' as const) : sort === `-${field}` ? ('descend' as const) : null;
  const [exporting, setExporting] = useState<{ fmt: string; pct: number | null } | null>(null);

  const params = useMemo(() => {
    const fixed = queueOf(queue)?.params(user) ?? {};
    const p: Record<string, string> = { ...fixed };
    if (filters.stage?.length) p.stage = filters.stage.join(',');
    if (filters.band?.length) p.band = filters.band.join(',');
    if (filters.category?.length) p.category = filters.category.join(',');
    if (filters.street) p.street = filters.street;
    if (filters.grid) p.grid = filters.grid;
    if (filters.q) p.q = filters.q;
    return p;
  }, [queue, user, filters]);

  const list = useQuery({
    queryKey: ['leads', params, page, pageSize, sort],
    queryFn: () => api<Page<LeadSummary>>(`/api/v1/leads${queryString({ ...params, page, pageSize, sort })}`),
  });

  const exportAs = async (fmt: 'csv' | 'xlsx') => {
    setExporting({ fmt, pct: 0 });
    try {
      await downloadWithProgress(
        `/api/v1/leads/export${queryString({ ...params, format: fmt })}`,
        `leads.${fmt}`,
        (pct) => setExporting({ fmt, pct }),
      );
      message.success(t('list.export.done'));
    } catch (e) {
      message.error(errorText(e));
    } finally {
      setTimeout(() => setExporting(null), 600);
    }
  };

  const set = (patch: Partial<Filters>) => {
    setFilters((f) => ({ ...f, ...patch }));
    setPage(1);
  };

  const current = queueOf(queue);
  const title = t(current ? current.label : 'menu.leads');
  const items = list.data?.items ?? [];

  return (
    <Card
      title={<span data-testid="page-title">{title}</span>}
      extra={
        <Space wrap>
          <Button icon={<ReloadOutlined />} onClick={() => void list.refetch()} aria-label={t('app.refresh')} />
          <Button
            icon={<DownloadOutlined />}
            onClick={() => void exportAs('csv')}
            loading={exporting?.fmt === 'csv'}
            data-testid="export-csv"
          >
            {!mobile && t('list.export.csv')}
          </Button>
          <Button
            icon={<DownloadOutlined />}
            onClick={() => void exportAs('xlsx')}
            loading={exporting?.fmt === 'xlsx'}
            data-testid="export-xlsx"
          >
            {!mobile && t('list.export.xlsx')}
          </Button>
        </Space>
      }
      styles={{ body: { padding: mobile ? 8 : 24 } }}
    >
      {exporting && (
        <div style={{ marginBottom: 12 }} data-testid="export-progress">
          <Typography.Text type="secondary">{t('list.export.running')}</Typography.Text>
          <Progress percent={exporting.pct ?? 50} status="active" showInfo={exporting.pct !== null} size="small" />
        </div>
      )}
      <Row gutter={[8, 8]} style={{ marginBottom: 12 }}>
        <Col xs={24} md={8}>
          <Input.Search
            placeholder={t('list.q')}
            allowClear
            value={draftQ}
            onChange={(e) => setDraftQ(e.target.value)}
            onSearch={(v) => set({ q: v.trim() || undefined })}
            enterButton={t('app.search')}
            data-testid="filter-q"
          />
        </Col>
        <Col xs={12} md={4}>
          <Select
            mode="multiple"
            allowClear
            placeholder={t('list.stage')}
            style={{ width: '100%' }}
            value={filters.stage}
            onChange={(v) => set({ stage: v })}
            options={STAGES.map((s) => ({ value: s, label: tx('stage', s) }))}
            maxTagCount="responsive"
          />
        </Col>
        <Col xs={12} md={4}>
          <Select
            mode="multiple"
            allowClear
            placeholder={t('list.band')}
            style={{ width: '100%' }}
            value={filters.band}
            onChange={(v) => set({ band: v })}
            options={BANDS.map((b) => ({ value: b, label: tx('band', b) }))}
            maxTagCount="responsive"
          />
        </Col>
        <Col xs={24} md={8}>
          <Select
            mode="multiple"
            allowClear
            placeholder={t('list.category')}
            style={{ width: '100%' }}
            value={filters.category}
            onChange={(v) => set({ category: v })}
            options={CATEGORIES.map((c) => ({ value: c, label: `${c} ${tx('cat', c)}` }))}
            maxTagCount="responsive"
          />
        </Col>
        <Col xs={12} md={6}>
          <Input
            allowClear
            placeholder={t('list.street.filter')}
            onChange={(e) => set({ street: e.target.value.trim() || undefined })}
          />
        </Col>
        <Col xs={12} md={6}>
          <Input
            allowClear
            placeholder={`${t('list.grid')}（G-440106001-C01）`}
            onChange={(e) => set({ grid: e.target.value.trim() || undefined })}
          />
        </Col>
      </Row>
      {list.error && (
        <Alert
          type="error"
          showIcon
          message={(list.error as ApiError).detail ?? String(list.error)}
          style={{ marginBottom: 12 }}
        />
      )}
      {mobile ? (
        <List
          loading={list.isLoading}
          dataSource={items}
          locale={{ emptyText: t('list.empty') }}
          pagination={{
            current: page,
            pageSize,
            total: list.data?.total ?? 0,
            onChange: (p) => setPage(p),
            size: 'small',
          }}
          renderItem={(r) => (
            <List.Item data-testid="lead-row" data-lead-id={r.id}>
              <List.Item.Meta
                title={<Link to={`/leads/${r.id}`}>{r.title ?? r.reference ?? r.id}</Link>}
                description={
                  <Space wrap size={4}>
                    <Typography.Text type="secondary">{r.reference}</Typography.Text>
                    <StatusTag status={r.status} />
                    <BandTag band={r.band} />
                    {r.overdue && <Tag color="red">{t('list.overdue')}</Tag>}
                  </Space>
                }
              />
            </List.Item>
          )}
        />
      ) : (
        <Table<LeadSummary>
          rowKey="id"
          size="middle"
          loading={list.isLoading}
          dataSource={items}
          locale={{ emptyText: t('list.empty') }}
          onRow={(r) => ({ 'data-testid': 'lead-row', 'data-lead-id': r.id }) as React.HTMLAttributes<HTMLElement>}
          onChange={(_p, _f, sorter) => {
            const s = Array.isArray(sorter) ? sorter[0] : sorter;
            const field = typeof s?.field === 'string' ? s.field : null;
            setSort(field && s?.order ? `${s.order === 'descend' ? '-' : ''}${field}` : defaultSort);
            setPage(1);
          }}
          pagination={{
            current: page,
            pageSize,
            total: list.data?.total ?? 0,
            showSizeChanger: true,
            showTotal: (n) => t('app.total', { n }),
            onChange: (p, s) => {
              setPage(p);
              setPageSize(s);
            },
          }}
          // What a case officer acts on first (status, due time, risk, holder) fits without scrolling; the rest scrolls.
          scroll={{ x: 1500 }}
          columns={[
            {
              title: t('list.reference'),
              dataIndex: 'reference',
              width: 170,
              fixed: 'left',
              render: (v: string | null, r) => <Link to={`/leads/${r.id}`}>{v ?? r.id.slice(0, 8)}</Link>,
            },
            {
              title: t('list.title'),
              dataIndex: 'title',
              width: 240,
              ellipsis: true,
              render: (v: string | null, r) => <Link to={`/leads/${r.id}`}>{v ?? '—'}</Link>,
            },
            {
              title: t('list.status'),
              dataIndex: 'status',
              width: 110,
              render: (v: string | null) => <StatusTag status={v} />,
            },
            {
              title: t('list.dueAt'),
              dataIndex: 'dueAt',
              width: 170,
              sorter: true,
              sortOrder: orderOf('dueAt'),
              render: (v: string | null, r) => (
                <Space direction="vertical" size={0}>
                  <Space size={4}>
                    {formatTime(v, lang)}
                    {r.overdue && <Tag color="red">{t('list.overdue')}</Tag>}
                  </Space>
                  {v && !r.overdue && r.stage !== 'closed' && <TimeLeft dueAt={v} />}
                </Space>
              ),
            },
            { title: t('list.band'), dataIndex: 'band', width: 90, render: (v: string | null) => <BandTag band={v} /> },
            {
              title: t('list.score'),
              dataIndex: 'score',
              width: 80,
              sorter: true,
              sortOrder: orderOf('score'),
              sortDirections: ['descend', 'ascend'],
            },
            {
              title: t('list.assignee'),
              dataIndex: 'holder',
              width: 110,
              render: (v: LeadSummary['holder']) => v?.name ?? v?.id ?? '—',
            },
            {
              title: t('list.category'),
              dataIndex: 'category',
              width: 120,
              render: (v: string | null) => (v ? tx('cat', v) : '—'),
            },
            {
              title: t('list.street'),
              dataIndex: 'streetName',
              width: 90,
              render: (v: string | null, r) => v ?? r.streetCode ?? '—',
            },
            { title: t('list.grid'), dataIndex: 'gridIds', width: 170, render: (v: string[]) => v.join(' ') || '—' },
            {
              title: t('list.reportedAt'),
              dataIndex: 'reportedAt',
              width: 170,
              sorter: true,
              sortOrder: orderOf('reportedAt'),
              sortDirections: ['descend', 'ascend'],
              render: (v: string | null) => formatTime(v, lang),
            },
          ]}
        />
      )}
    </Card>
  );
}
