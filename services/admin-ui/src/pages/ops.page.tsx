import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Badge,
  Button,
  Card,
  Col,
  Descriptions,
  Drawer,
  Form,
  Input,
  Modal,
  Row,
  Segmented,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import { LinkOutlined, ReloadOutlined } from '@ant-design/icons';
import { api, errorText } from '../api/client';
import { formatTime } from '../components/tags';
import { useI18n } from '../i18n/i18n';

type Outcome<T> =
  | { service: string; ok: true; data: T }
  | { service: string; ok: false; error: { status: number; code: string; detail: string } };

interface Health {
  status: string;
  services: Array<{ service: string; status: string; httpStatus: number | null; latencyMs: number; details: unknown }>;
}
interface Lag {
  groups: Array<{ group: string; lag: number }>;
  partitions: Array<{
    group: string;
    topic: string;
    partition: number;
    committed: number | null;
    high: number;
    lag: number;
  }>;
  errors: Array<{ group: string; error: string }>;
}
interface DeadLetter {
  id: string;
  consumerGroup: string;
  topic: string;
  partition: number;
  offset: string;
  eventId: string | null;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  reason: string;
  error: string;
  attempts: number;
  status: 'OPEN' | 'REPLAYED' | 'DISCARDED';
  createdAt: string;
}
interface QueueCounts {
  queue: string;
  paused: boolean;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}
interface FailedDelivery {
  id: string;
  eventType: string;
  channel: string;
  recipient: string;
  recipientName: string | null;
  status: 'DEAD' | 'UNCERTAIN' | 'SKIPPED';
  attempts: number;
  lastError: string | null;
  updatedAt: string;
}
interface PendingDispatch {
  id: string;
  authorityLabel: string;
  purpose: string;
  caseNo: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
}
/** Which deliveries the card lists: the ones that failed or may not have gone out, or the ones with nobody to go to. */
const DELIVERY_VIEWS = { problems: 'DEAD,UNCERTAIN', skipped: 'SKIPPED' } as const;
interface AuditReport {
  ok: boolean;
  entriesChecked: number;
  chains: number;
  checkpointsChecked: number;
}

export default function OpsPage() {
  const { t, tx, lang } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const health = useLive<Health>('health', '/api/v1/ops/health');
  const lag = useLive<Lag>('lag', '/api/v1/ops/kafka/lag');
  const outbox = useLive<{
    services: Array<Outcome<{ pending: number; oldestPendingAt: string | null; sentLastHour: number }>>;
  }>('outbox', '/api/v1/ops/outbox');
  const dls = useLive<{ services: Array<Outcome<DeadLetter[]>> }>('dead-letters', '/api/v1/ops/dead-letters?limit=200');
  const queues = useLive<{ items: QueueCounts[] }>('queues', '/api/v1/ops/queues');
  const [deliveryView, setDeliveryView] = useState<keyof typeof DELIVERY_VIEWS>('problems');
  const deliveries = useLive<{ items: FailedDelivery[] }>(
    `deliveries-${deliveryView}`,
    `/api/v1/ops/deliveries?status=${DELIVERY_VIEWS[deliveryView]}&limit=200`,
  );
  const dispatches = useLive<{ items: PendingDispatch[] }>('dispatches', '/api/v1/ops/dispatches?limit=200');
  const audit = useQuery({
    queryKey: ['ops', 'audit'],
    queryFn: () => api<{ services: Array<Outcome<AuditReport>> }>('/api/v1/ops/audit'),
  });
  const [inspect, setInspect] = useState<{ service: string; dl: DeadLetter } | null>(null);
  const [discarding, setDiscarding] = useState<{ service: string; dl: DeadLetter } | null>(null);
  const [reason, setReason] = useState('');

  const refresh = () => void qc.invalidateQueries({ queryKey: ['ops'] });

  /** Asks first, then POSTs `path`; says `done` (of the answer) or the service's reason, and refreshes the console. */
  const confirmPost = <R,>(title: string, content: string, path: string, done: string | ((answer: R) => string)) =>
    Modal.confirm({
      title,
      content,
      okText: t('app.confirm'),
      cancelText: t('app.cancel'),
      onOk: async () => {
        try {
          const answer = await api<R>(path, { method: 'POST', json: {} });
          message.success(typeof done === 'string' ? done : done(answer));
          refresh();
        } catch (e) {
          message.error(errorText(e));
        }
      },
    });
  const replay = (service: string, dl: DeadLetter) =>
    confirmPost(
      t('ops.dl.replay'),
      t('ops.dl.replay.confirm'),
      `/api/v1/ops/dead-letters/${service}/${dl.id}/replay`,
      t('app.done'),
    );
  const resend = (d: FailedDelivery) =>
    confirmPost(
      t('ops.deliveries.replay'),
      t('ops.deliveries.replay.confirm'),
      `/api/v1/ops/deliveries/${d.id}/replay`,
      t('ops.deliveries.replayed'),
    );
  const retryDispatch = (d: PendingDispatch) =>
    confirmPost(
      t('ops.dispatches.retry'),
      t('ops.dispatches.retry.confirm', { to: d.authorityLabel, caseNo: d.caseNo }),
      `/api/v1/ops/dispatches/${d.id}/retry`,
      t('ops.dispatches.retried'),
    );
  const retryAllDispatches = () =>
    confirmPost<{ requested: number }>(
      t('ops.dispatches.retryAll'),
      t('ops.dispatches.retryAll.confirm'),
      '/api/v1/ops/dispatches/retry',
      (r) => t('ops.dispatches.retriedAll', { n: r.requested }),
    );

  const discard = async () => {
    if (!discarding) return;
    try {
      await api(`/api/v1/ops/dead-letters/${discarding.service}/${discarding.dl.id}/discard`, {
        method: 'POST',
        json: { reason },
      });
      message.success(t('app.done'));
      setDiscarding(null);
      setReason('');
      refresh();
    } catch (e) {
      message.error(errorText(e));
    }
  };

  const deadLetters = (dls.data?.services ?? []).flatMap((s) =>
    s.ok ? s.data.map((dl) => ({ service: s.service, dl })) : [],
  );
  const dlErrors = (dls.data?.services ?? []).filter((s): s is Extract<typeof s, { ok: false }> => !s.ok);
  const statusColor: Record<string, string> = { OPEN: 'red', REPLAYED: 'green', DISCARDED: 'default' };

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="ops">
      <Card
        title={<span data-testid="page-title">{t('ops.title')}</span>}
        extra={
          <Space wrap>
            <Button icon={<ReloadOutlined />} onClick={refresh}>
              {t('app.refresh')}
            </Button>
            <Button icon={<LinkOutlined />} href="/ops/queues" target="_blank" data-testid="queues-link">
              {t('ops.queues.open')}
            </Button>
          </Space>
        }
      >
        <Typography.Title level={5} style={{ marginTop: 0 }}>
          {t('ops.health')}
        </Typography.Title>
        {health.error && <Alert type="error" showIcon message={errorText(health.error)} />}
        <Row gutter={[12, 12]}>
          {health.data?.services.map((s) => (
            <Col xs={12} md={8} lg={4} key={s.service}>
              <Card size="small" data-testid={`health-${s.service}`} data-status={s.status}>
                <Badge status={s.status === 'up' ? 'success' : 'error'} text={tx('svc', s.service)} />
                <div>
                  <Typography.Text type="secondary">
                    {s.status === 'up' ? t('ops.up') : t('ops.down')} · {s.latencyMs} ms
                  </Typography.Text>
                </div>
              </Card>
            </Col>
          ))}
        </Row>
      </Card>

      <Row gutter={[16, 16]}>
        <Col xs={24} lg={12}>
          <Card title={t('ops.lag')} size="small">
            {lag.error && <Alert type="error" showIcon message={errorText(lag.error)} />}
            <Space wrap style={{ marginBottom: 8 }}>
              {lag.data?.groups.map((g) => (
                <Tag key={g.group} color={g.lag > 100 ? 'red' : g.lag > 0 ? 'orange' : 'green'}>
                  {g.group}: {g.lag}
                </Tag>
              ))}
            </Space>
            <Table
              size="small"
              rowKey={(r) => `${r.group}-${r.topic}-${r.partition}`}
              dataSource={(lag.data?.partitions ?? []).filter((p) => p.lag > 0)}
              pagination={{ pageSize: 8, size: 'small' }}
              scroll={{ x: 520 }}
              locale={{ emptyText: t('app.none') }}
              columns={[
                { title: t('ops.group'), dataIndex: 'group' },
                { title: t('ops.topic'), dataIndex: 'topic', ellipsis: true },
                { title: t('ops.partition'), dataIndex: 'partition', width: 60 },
                { title: t('ops.lagCount'), dataIndex: 'lag', width: 70 },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('ops.outbox')} size="small">
            <Table
              size="small"
              rowKey="service"
              pagination={false}
              dataSource={outbox.data?.services ?? []}
              loading={outbox.isLoading}
              columns={[
                { title: t('ops.service'), dataIndex: 'service', render: (v: string) => tx('svc', v) },
                {
                  title: t('ops.pending'),
                  render: (_, r) => (r.ok ? r.data.pending : <Tag>{t('ops.unavailable')}</Tag>),
                },
                {
                  title: t('ops.oldest'),
                  render: (_, r) => (r.ok ? formatTime(r.data.oldestPendingAt, lang) : r.error.detail),
                },
                { title: t('ops.sentLastHour'), render: (_, r) => (r.ok ? r.data.sentLastHour : '—') },
              ]}
            />
          </Card>
        </Col>
      </Row>

      <Row gutter={[16, 16]}>
        <Col xs={24} lg={14}>
          <Card title={t('ops.queues')} size="small" data-testid="job-queues">
            {queues.error && <Alert type="error" showIcon message={errorText(queues.error)} />}
            <Table
              size="small"
              rowKey="queue"
              pagination={false}
              loading={queues.isLoading}
              dataSource={queues.data?.items ?? []}
              onRow={(r) =>
                ({ 'data-testid': 'queue-row', 'data-queue': r.queue }) as React.HTMLAttributes<HTMLElement>
              }
              columns={[
                {
                  title: t('ops.queues.queue'),
                  render: (_, r) => (
                    <Space size={4} wrap>
                      {tx('queue', r.queue)}
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {r.queue}
                      </Typography.Text>
                      {r.paused && <Tag color="orange">{t('ops.queues.paused')}</Tag>}
                    </Space>
                  ),
                },
                { title: t('ops.queues.waiting'), dataIndex: 'waiting', width: 80 },
                { title: t('ops.queues.active'), dataIndex: 'active', width: 80 },
                { title: t('ops.queues.delayed'), dataIndex: 'delayed', width: 100 },
                {
                  title: t('ops.queues.failed'),
                  dataIndex: 'failed',
                  width: 70,
                  render: (v: number) => (v > 0 ? <Typography.Text type="danger">{v}</Typography.Text> : v),
                },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} lg={10}>
          <Card title={t('ops.audit')} size="small">
            <Table
              size="small"
              rowKey="service"
              pagination={false}
              loading={audit.isLoading}
              dataSource={audit.data?.services ?? []}
              columns={[
                { title: t('ops.service'), dataIndex: 'service', render: (v: string) => tx('svc', v) },
                {
                  title: t('ops.status'),
                  render: (_, r) =>
                    r.ok ? (
                      <Tag color={r.data.ok ? 'green' : 'red'} data-testid={`audit-${r.service}`}>
                        {r.data.ok ? t('ops.audit.ok') : t('ops.audit.broken')}
                      </Tag>
                    ) : (
                      <Tag>{t('ops.unavailable')}</Tag>
                    ),
                },
                { title: t('ops.audit.entries'), render: (_, r) => (r.ok ? r.data.entriesChecked : r.error.detail) },
              ]}
            />
          </Card>
        </Col>
      </Row>

      <Card title={t('ops.deadLetters')} size="small" data-testid="dead-letters">
        {dlErrors.length > 0 && (
          <Alert
            type="info"
            showIcon
            style={{ marginBottom: 8 }}
            message={`${t('ops.unavailable')}：${dlErrors.map((e) => `${tx('svc', e.service)}（${e.error.detail}）`).join('；')}`}
          />
        )}
        <Table
          size="small"
          rowKey={(r) => `${r.service}-${r.dl.id}`}
          dataSource={deadLetters}
          loading={dls.isLoading}
          scroll={{ x: 900 }}
          locale={{ emptyText: t('ops.dl.empty') }}
          onRow={(r) =>
            ({
              'data-testid': 'dead-letter-row',
              'data-status': r.dl.status,
              'data-id': r.dl.id,
            }) as React.HTMLAttributes<HTMLElement>
          }
          columns={[
            { title: t('ops.service'), width: 90, render: (_, r) => tx('svc', r.service) },
            { title: t('ops.dl.topic'), render: (_, r) => r.dl.topic, ellipsis: true },
            { title: t('ops.group'), render: (_, r) => r.dl.consumerGroup, ellipsis: true },
            errorColumn(t('ops.dl.error'), (r: { dl: DeadLetter }) => r.dl.error),
            { title: t('ops.dl.attempts'), width: 70, render: (_, r) => r.dl.attempts },
            { title: t('ops.dl.at'), width: 170, render: (_, r) => formatTime(r.dl.createdAt, lang) },
            {
              title: t('ops.dl.status'),
              width: 90,
              render: (_, r) => <Tag color={statusColor[r.dl.status]}>{tx('ops.dl', r.dl.status)}</Tag>,
            },
            {
              title: '',
              width: 200,
              render: (_, r) => (
                <Space size={4}>
                  <Button size="small" onClick={() => setInspect(r)} data-testid="dl-inspect">
                    {t('ops.dl.inspect')}
                  </Button>
                  <Button
                    size="small"
                    type="primary"
                    disabled={r.dl.status !== 'OPEN'}
                    onClick={() => replay(r.service, r.dl)}
                    data-testid="dl-replay"
                  >
                    {t('ops.dl.replay')}
                  </Button>
                  <Button
                    size="small"
                    danger
                    disabled={r.dl.status !== 'OPEN'}
                    onClick={() => setDiscarding(r)}
                    data-testid="dl-discard"
                  >
                    {t('ops.dl.discard')}
                  </Button>
                </Space>
              ),
            },
          ]}
        />
      </Card>

      <Card
        title={t('ops.deliveries')}
        size="small"
        data-testid="failed-deliveries"
        extra={
          <Segmented
            size="small"
            value={deliveryView}
            onChange={(v) => setDeliveryView(v as keyof typeof DELIVERY_VIEWS)}
            options={[
              { value: 'problems', label: t('ops.deliveries.problems') },
              { value: 'skipped', label: t('ops.deliveries.skipped') },
            ]}
          />
        }
      >
        {deliveries.error && <Alert type="info" showIcon message={errorText(deliveries.error)} />}
        <Table
          size="small"
          rowKey="id"
          dataSource={deliveries.data?.items ?? []}
          loading={deliveries.isLoading}
          scroll={{ x: 900 }}
          locale={{ emptyText: t('ops.deliveries.empty') }}
          onRow={(r) =>
            ({
              'data-testid': 'delivery-row',
              'data-id': r.id,
              'data-status': r.status,
            }) as React.HTMLAttributes<HTMLElement>
          }
          columns={[
            { title: t('ops.deliveries.channel'), width: 90, render: (_, r) => tx('deliveryChannel', r.channel) },
            { title: t('ops.deliveries.recipient'), width: 140, render: (_, r) => r.recipientName ?? r.recipient },
            { title: t('ops.deliveries.event'), render: (_, r) => r.eventType, ellipsis: true },
            errorColumn(t('ops.dl.error'), (r: FailedDelivery) => r.lastError ?? '—'),
            { title: t('ops.dl.attempts'), width: 70, render: (_, r) => r.attempts },
            { title: t('ops.dl.at'), width: 170, render: (_, r) => formatTime(r.updatedAt, lang) },
            {
              title: t('ops.dl.status'),
              width: 120,
              render: (_, r) => (
                <Tag color={r.status === 'SKIPPED' ? 'default' : 'red'}>{tx('delivery', r.status)}</Tag>
              ),
            },
            {
              title: '',
              width: 90,
              render: (_, r) => (
                <Button size="small" type="primary" onClick={() => resend(r)} data-testid="delivery-replay">
                  {t('ops.deliveries.replay')}
                </Button>
              ),
            },
          ]}
        />
      </Card>

      <Card
        title={t('ops.dispatches')}
        size="small"
        data-testid="pending-dispatches"
        extra={
          <Button
            size="small"
            disabled={!dispatches.data?.items.length}
            onClick={retryAllDispatches}
            data-testid="dispatches-retry-all"
          >
            {t('ops.dispatches.retryAll')}
          </Button>
        }
      >
        {dispatches.error && <Alert type="info" showIcon message={errorText(dispatches.error)} />}
        <Table
          size="small"
          rowKey="id"
          dataSource={dispatches.data?.items ?? []}
          loading={dispatches.isLoading}
          scroll={{ x: 900 }}
          locale={{ emptyText: t('ops.dispatches.empty') }}
          onRow={(r) => ({ 'data-testid': 'dispatch-row', 'data-id': r.id }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            { title: t('case.report.system'), width: 150, render: (_, r) => r.authorityLabel },
            { title: t('case.report.purpose'), width: 110, render: (_, r) => tx('reportPurpose', r.purpose) },
            { title: t('ops.dispatches.case'), width: 150, render: (_, r) => r.caseNo },
            errorColumn(t('ops.dl.error'), (r: PendingDispatch) => r.lastError ?? t('ops.dispatches.notTried')),
            { title: t('ops.dl.attempts'), width: 70, render: (_, r) => r.attempts },
            { title: t('ops.dispatches.since'), width: 170, render: (_, r) => formatTime(r.createdAt, lang) },
            {
              title: '',
              width: 100,
              render: (_, r) => (
                <Button size="small" type="primary" onClick={() => retryDispatch(r)} data-testid="dispatch-retry">
                  {t('ops.dispatches.retry')}
                </Button>
              ),
            },
          ]}
        />
      </Card>

      <Drawer
        open={!!inspect}
        onClose={() => setInspect(null)}
        title={t('ops.dl.payload')}
        width={Math.min(640, window.innerWidth)}
      >
        {inspect && (
          <>
            <Descriptions size="small" column={1} bordered>
              <Descriptions.Item label="ID">{inspect.dl.id}</Descriptions.Item>
              <Descriptions.Item label={t('ops.dl.topic')}>
                {inspect.dl.topic} #{inspect.dl.partition}@{inspect.dl.offset}
              </Descriptions.Item>
              <Descriptions.Item label={t('ops.group')}>{inspect.dl.consumerGroup}</Descriptions.Item>
              <Descriptions.Item label={t('ops.dl.error')}>{inspect.dl.error}</Descriptions.Item>
            </Descriptions>
            <Typography.Title level={5}>{t('ops.dl.payload')}</Typography.Title>
            <pre
              style={{ background: '#fafafa', padding: 12, whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}
              data-testid="dl-payload"
            >
              {pretty(inspect.dl.value)}
            </pre>
            <Typography.Title level={5}>{t('ops.dl.headers')}</Typography.Title>
            <pre style={{ background: '#fafafa', padding: 12, whiteSpace: 'pre-wrap' }}>
              {JSON.stringify(inspect.dl.headers, null, 2)}
            </pre>
          </>
        )}
      </Drawer>

      <Modal
        open={!!discarding}
        title={t('ops.dl.discard')}
        onCancel={() => setDiscarding(null)}
        onOk={() => void discard()}
        okButtonProps={{ danger: true, disabled: reason.trim().length < 2 }}
        okText={t('app.confirm')}
        cancelText={t('app.cancel')}
      >
        <Typography.Paragraph>{t('ops.dl.discard.confirm')}</Typography.Paragraph>
        <Form layout="vertical">
          <Form.Item label={t('form.reason')} required>
            <Input.TextArea value={reason} onChange={(e) => setReason(e.target.value)} autoSize={{ minRows: 2 }} />
          </Form.Item>
        </Form>
      </Modal>
    </Space>
  );
}

function pretty(v: string | null): string {
  if (v === null) return '—';
  try {
    return JSON.stringify(JSON.parse(v), null, 2);
  } catch {
    return v;
  }
}

/** The console's figures, polled every 15 s under the ['ops', …] key that 刷新 invalidates. */
function useLive<T>(key: string, path: string) {
  return useQuery({ queryKey: ['ops', key], queryFn: () => api<T>(path), refetchInterval: 15_000 });
}

/** A table column showing an error in red, cut to one line. */
function errorColumn<R>(title: string, text: (row: R) => string) {
  return {
    title,
    ellipsis: true,
    render: (_: unknown, row: R) => (
      <Typography.Text type="danger" ellipsis>
        {text(row)}
      </Typography.Text>
    ),
  };
}
