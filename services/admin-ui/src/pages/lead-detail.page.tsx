import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  DatePicker,
  Descriptions,
  Empty,
  Form,
  Input,
  Modal,
  Progress,
  Radio,
  Result,
  Row,
  Select,
  Space,
  Spin,
  Table,
  Tag,
  Timeline,
  Typography,
  Upload,
} from 'antd';
import {
  ArrowLeftOutlined,
  CheckCircleFilled,
  ExclamationCircleFilled,
  MinusCircleOutlined,
  UploadOutlined,
} from '@ant-design/icons';
import { api, ApiError, topField, uploadWithProgress } from '../api/client';
import { ProblemAlert } from '../components/problem-alert';
import {
  ANCHORS,
  EVIDENCE_TYPES,
  type AllowedActions,
  type EstimateKey,
  type LeadDetail,
  type LinkedReport,
  type ScoreLine,
  type TimelineItem,
} from '../api/types';
import { BandTag, formatTime, StatusTag } from '../components/tags';
import type { MessageKey } from '../i18n/dict';
import { useI18n } from '../i18n/i18n';
import { CaseItemSelect, InvestigatorsField, LeadSelect, PersonSelect } from './action-fields';
import { ACTION_FORMS, GENERIC_FORM, toBody, type FieldSpec } from './action-forms';
import { CaseFileCard } from './case-file';

export default function LeadDetailPage() {
  const { id = '' } = useParams();
  const { t, tx, lang, pick } = useI18n();
  const lead = useQuery({
    queryKey: ['lead', id],
    queryFn: () => api<LeadDetail>(`/api/v1/leads/${encodeURIComponent(id)}`),
  });
  const allowed = useQuery({
    queryKey: ['allowed', id],
    queryFn: () => api<AllowedActions>(`/api/v1/leads/${encodeURIComponent(id)}/allowed-actions`),
    enabled: lead.isSuccess,
  });
  const [open, setOpen] = useState<{ action: string; label: string; gateway: boolean } | null>(null);

  if (lead.isLoading) return <Spin style={{ display: 'block', margin: 48 }} />;
  if (lead.error) {
    const e = lead.error as ApiError;
    return (
      <Result
        status={e.status === 404 ? '404' : 'error'}
        title={e.status === 404 ? t('detail.notFound') : e.detail}
        data-testid="lead-not-found"
        extra={<Link to="/leads">{t('app.back')}</Link>}
      />
    );
  }
  const d = lead.data!;
  const a = allowed.data;

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="lead-detail" data-lead-id={d.id}>
      <Card
        title={
          <Space wrap>
            <Link to="/leads" aria-label={t('app.back')}>
              <ArrowLeftOutlined />
            </Link>
            <span data-testid="lead-reference">{d.reference ?? d.id}</span>
            <StatusTag status={d.status} />
            <BandTag band={d.band} />
            {d.stage && <Tag>{tx('stage', d.stage)}</Tag>}
            {d.overdue && <Tag color="red">{t('list.overdue')}</Tag>}
          </Space>
        }
      >
        <Typography.Title level={5} style={{ marginTop: 0 }}>
          {d.title ?? '—'}
        </Typography.Title>
        <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }} bordered>
          <Descriptions.Item label={t('list.score')}>{d.score ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('list.category')}>
            {d.category ? `${d.category} ${tx('cat', d.category)}` : '—'}
          </Descriptions.Item>
          <Descriptions.Item label={t('list.assignee')}>
            <span data-testid="lead-holder">{d.holder?.name ?? d.holder?.id ?? '—'}</span>
          </Descriptions.Item>
          {d.assignee && d.assignee.id !== d.holder?.id && (
            <Descriptions.Item label={t('detail.assessedBy')}>
              <span data-testid="lead-assessed-by">{d.assignee.name ?? d.assignee.id}</span>
            </Descriptions.Item>
          )}
          <Descriptions.Item label={t('detail.due')}>{formatTime(d.dueAt, lang)}</Descriptions.Item>
          <Descriptions.Item label={t('list.reportedAt')}>{formatTime(d.reportedAt, lang)}</Descriptions.Item>
          <Descriptions.Item label={t('detail.source')}>
            {[d.source.channel ? tx('src', d.source.channel) : null, d.source.name].filter(Boolean).join(' · ') || '—'}
          </Descriptions.Item>
          {d.linkedTo && (
            <Descriptions.Item label={t('detail.linkedTo')} span={3}>
              <Link to={`/leads/${encodeURIComponent(d.linkedTo)}`} data-testid="linked-to">
                {t('detail.linkedTo.open')}
              </Link>
            </Descriptions.Item>
          )}
          <Descriptions.Item label={t('detail.description')} span={3}>
            <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', marginBottom: 0 }}>
              {d.description ?? '—'}
            </Typography.Paragraph>
          </Descriptions.Item>
        </Descriptions>
      </Card>

      <Card title={t('detail.actions')} data-testid="actions-card">
        {allowed.isLoading && <Spin />}
        {allowed.error && <Alert type="error" showIcon message={(allowed.error as ApiError).detail} />}
        {a && a.actions.length + a.gatewayActions.length === 0 && (
          <Typography.Text type="secondary">{t('detail.noActions')}</Typography.Text>
        )}
        <Space wrap>
          {a?.actions.map((x) => (
            <Button
              key={x.action}
              type="primary"
              data-testid={`action-${x.action}`}
              onClick={() => setOpen({ action: x.action, label: pick(x.label, x.action), gateway: false })}
            >
              {pick(x.label, x.action)}
            </Button>
          ))}
          {a?.gatewayActions.map((x) => (
            <Button
              key={x.action}
              data-testid={`action-${x.action}`}
              onClick={() => setOpen({ action: x.action, label: pick(x.label, x.action), gateway: true })}
            >
              {pick(x.label, x.action)}
            </Button>
          ))}
        </Space>
      </Card>

      <Row gutter={[16, 16]}>
        <Col xs={24} xl={14}>
          <Card title={t('detail.score')} size="small">
            {d.explanation.length === 0 && d.screening?.hits.length ? (
              <ScreeningHits screening={d.screening} linked={!!d.linkedTo} />
            ) : (
              <ScoreTable lines={d.explanation} />
            )}
          </Card>
        </Col>
        <Col xs={24} xl={10}>
          <Card title={t('detail.checklist')} size="small" data-testid="checklist">
            <Checklist checklist={d.checklist} />
          </Card>
        </Col>
      </Row>

      <Row gutter={[16, 16]}>
        <Col xs={24} lg={12}>
          <Card title={t('detail.subjects')} size="small">
            <Table
              size="small"
              rowKey={(r, i) => `${r.name}-${i}`}
              pagination={false}
              dataSource={d.subjects}
              scroll={{ x: 480 }}
              locale={{ emptyText: t('app.none') }}
              columns={[
                { title: t('detail.subject.name'), dataIndex: 'name' },
                { title: t('detail.subject.kind'), dataIndex: 'kind', render: (v: string) => tx('subject', v) },
                { title: t('detail.subject.uscc'), dataIndex: 'uscc', render: (v: string | null) => v ?? '—' },
              ]}
            />
            <Estimates estimates={d.estimates} />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('detail.placement')} size="small">
            <Descriptions size="small" column={1}>
              <Descriptions.Item label={t('list.street')}>
                {[d.placement?.streetName, d.placement?.streetCode ?? d.streetCode].filter(Boolean).join(' ') || '—'}
              </Descriptions.Item>
              <Descriptions.Item label={t('list.grid')}>
                <span data-testid="lead-grids">{(d.placement?.gridIds ?? d.gridIds).join(' ') || '—'}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t('detail.placement.address')}>
                {d.placement?.addressText ?? '—'}
              </Descriptions.Item>
              <Descriptions.Item label={t('detail.placement.by')}>
                {tx('by', d.placement?.resolvedBy)}
              </Descriptions.Item>
            </Descriptions>
          </Card>
        </Col>
      </Row>

      {d.linkedReports.length > 0 && (
        <Card title={t('detail.linkedReports')} size="small" data-testid="linked-reports">
          <Table
            size="small"
            rowKey="linkedLeadId"
            pagination={false}
            dataSource={d.linkedReports}
            scroll={{ x: 520 }}
            columns={[
              {
                title: t('detail.linked.reference'),
                dataIndex: 'linkedReference',
                render: (v: string, r: LinkedReport) => (
                  <Link to={`/leads/${encodeURIComponent(r.linkedLeadId)}`}>{v}</Link>
                ),
              },
              {
                title: t('detail.linked.matchedOn'),
                dataIndex: 'matchedOn',
                render: (m: LinkedReport['matchedOn']) =>
                  m.map((x) => `${tx('match', x.key)}「${x.value}」`).join('、'),
              },
              { title: t('detail.linked.at'), dataIndex: 'at', render: (v: string) => formatTime(v, lang) },
            ]}
          />
        </Card>
      )}

      <Card title={t('detail.files')} size="small">
        <Table
          size="small"
          rowKey="evidenceId"
          pagination={false}
          dataSource={d.evidence}
          locale={{ emptyText: t('app.none') }}
          scroll={{ x: 520 }}
          data-testid="evidence-table"
          columns={[
            { title: t('detail.file.type'), dataIndex: 'type', render: (v: string) => tx('evtype', v) },
            { title: t('detail.file.media'), dataIndex: 'mediaType' },
            {
              title: t('detail.file.size'),
              dataIndex: 'sizeBytes',
              render: (v: number) => `${(v / 1024).toFixed(1)} KB`,
            },
            {
              title: 'SHA-256',
              dataIndex: 'sha256',
              ellipsis: true,
              render: (v: string) => <Typography.Text code>{v.slice(0, 16)}…</Typography.Text>,
            },
            { title: t('detail.file.at'), dataIndex: 'addedAt', render: (v: string) => formatTime(v, lang) },
          ]}
        />
      </Card>

      {d.case && <CaseFileCard leadId={d.id} />}

      {(d.opinion || d.decision || d.closure || d.verifications.length > 0) && (
        <Card size="small" title={`${t('detail.opinion')} / ${t('detail.decision')}`}>
          <Descriptions size="small" column={1} bordered>
            {d.verifications.map((v) => (
              <Descriptions.Item key={v.requestId} label={t('detail.verifications')}>
                {v.question}
                {d.verificationAnswers
                  .filter((x) => x.requestId === v.requestId)
                  .map((x) => (
                    <div key={x.answeredBy + x.answer}>→ {x.answer}</div>
                  ))}
              </Descriptions.Item>
            ))}
            {d.opinion && (
              <Descriptions.Item label={t('detail.opinion')}>
                <FactView fact={d.opinion} />
              </Descriptions.Item>
            )}
            {d.decision && (
              <Descriptions.Item label={t('detail.decision')}>
                <FactView fact={d.decision} />
              </Descriptions.Item>
            )}
            {d.closure && (
              <Descriptions.Item label={t('detail.closure')}>
                <FactView fact={d.closure} />
              </Descriptions.Item>
            )}
          </Descriptions>
        </Card>
      )}

      <Card title={t('detail.timeline')} size="small" data-testid="timeline">
        {d.timelineMissing.length > 0 && (
          <Alert
            type="warning"
            showIcon
            style={{ marginBottom: 12 }}
            message={t('detail.timeline.missing', { s: d.timelineMissing.map((m) => tx('svc', m.service)).join('、') })}
          />
        )}
        <LeadTimeline items={d.timeline} />
      </Card>

      {open &&
        (open.gateway ? (
          open.action === 'add-evidence' ? (
            <EvidenceModal leadId={d.id} title={open.label} onClose={() => setOpen(null)} />
          ) : (
            <RevealModal leadId={d.id} title={open.label} onClose={() => setOpen(null)} />
          )
        ) : (
          <ActionModal lead={d} action={open.action} title={open.label} onClose={() => setOpen(null)} />
        ))}
    </Space>
  );
}

/** The reporter's estimates that are known (an unknown one is left out, not shown as 0 or "no"). */
function Estimates({ estimates }: { estimates: LeadDetail['estimates'] }) {
  const { t } = useI18n();
  const known = ESTIMATES.filter(([key]) => estimates?.[key] != null);
  if (!estimates || known.length === 0) return null;
  return (
    <Descriptions size="small" column={1} style={{ marginTop: 12 }} title={t('detail.estimates')}>
      {known.map(([key, label]) => {
        const v = estimates[key]!;
        return (
          <Descriptions.Item key={key} label={t(label)}>
            {typeof v === 'boolean' ? (v ? t('app.yes') : t('app.no')) : v.toLocaleString()}
          </Descriptions.Item>
        );
      })}
    </Descriptions>
  );
}

const ESTIMATES: Array<[EstimateKey, MessageKey]> = [
  ['promisedYieldPct', 'detail.est.yield'],
  ['amountYuan', 'detail.est.amount'],
  ['participants', 'detail.est.participants'],
  ['lossYuan', 'detail.est.loss'],
  ['elderlyInvolved', 'detail.est.elderly'],
];

function FactView({ fact }: { fact: Record<string, unknown> }) {
  const { t, tx } = useI18n();
  const rec = (fact.recommendation ?? fact.decision ?? fact.outcome) as string | undefined;
  const text = (fact.reasoning ?? fact.summary) as string | undefined;
  // What the reporter is told: at the decision (feedback) and at closing (reporterFeedback).
  const toReporter = (fact.reporterFeedback ?? fact.feedback) as string | undefined;
  return (
    <div>
      {rec && <Tag color="volcano">{fact.outcome ? tx('outcome', rec) : tx('rec', rec)}</Tag>}
      {typeof fact.category === 'string' && <Tag>{tx('cat', fact.category)}</Tag>}
      {Array.isArray(fact.legalBasis) && <div>{(fact.legalBasis as string[]).join('；')}</div>}
      {text && <div style={{ whiteSpace: 'pre-wrap' }}>{text}</div>}
      {toReporter && (
        <div style={{ whiteSpace: 'pre-wrap', marginTop: 4 }} data-testid="fact-reporter-feedback">
          <Typography.Text type="secondary">{t('detail.toReporter')}：</Typography.Text>
          {toReporter}
        </div>
      )}
    </div>
  );
}

function ScoreTable({ lines }: { lines: ScoreLine[] }) {
  const { t, tx } = useI18n();
  const total = lines.reduce((s, l) => s + l.points, 0);
  return (
    <Table<ScoreLine>
      size="small"
      rowKey={(r, i) => `${r.indicator}-${i}`}
      pagination={false}
      dataSource={lines}
      scroll={{ x: 560 }}
      data-testid="score-table"
      locale={{ emptyText: t('app.none') }}
      columns={[
        { title: t('detail.indicator'), dataIndex: 'indicator', width: 70 },
        {
          title: t('detail.label'),
          dataIndex: 'label',
          render: (v: string, r) => (
            <Space size={4}>
              {v}
              {r.anchor && <Tag>{tx('anchor', r.anchor)}</Tag>}
            </Space>
          ),
        },
        { title: t('detail.evidence'), dataIndex: 'evidence', ellipsis: true },
        { title: t('detail.weight'), dataIndex: 'weight', width: 60 },
        { title: t('detail.points'), dataIndex: 'points', width: 60, render: (v: number) => Math.round(v * 10) / 10 },
      ]}
      summary={() =>
        lines.length ? (
          <Table.Summary.Row>
            <Table.Summary.Cell index={0} colSpan={4}>
              {t('list.score')}
            </Table.Summary.Cell>
            <Table.Summary.Cell index={1}>
              <b>{Math.round(total * 10) / 10}</b>
            </Table.Summary.Cell>
          </Table.Summary.Row>
        ) : null
      }
    />
  );
}

/** Intake's screening hits, for a lead not triaged (a report linked into another lead is scored on that lead). */
function ScreeningHits({ screening, linked }: { screening: NonNullable<LeadDetail['screening']>; linked: boolean }) {
  const { t, tx } = useI18n();
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="screening-hits">
      <Typography.Text type="secondary">
        {t(linked ? 'detail.screening.linked' : 'detail.screening.only', { score: screening.score })}
      </Typography.Text>
      <Table
        size="small"
        rowKey={(r, i) => `${r.indicator}-${r.term}-${i}`}
        pagination={false}
        dataSource={screening.hits}
        scroll={{ x: 520 }}
        columns={[
          { title: t('detail.indicator'), dataIndex: 'indicator', width: 70 },
          {
            title: t('detail.screening.term'),
            dataIndex: 'term',
            render: (v: string, r) => (
              <Space size={4}>
                {`「${v}」`}
                {r.anchor && <Tag>{tx('anchor', r.anchor)}</Tag>}
              </Space>
            ),
          },
          { title: t('detail.screening.field'), dataIndex: 'field', width: 110 },
          { title: t('detail.weight'), dataIndex: 'weight', width: 60 },
        ]}
      />
    </Space>
  );
}

function Checklist({ checklist }: { checklist: Record<string, string> | null }) {
  const { t, tx } = useI18n();
  if (!checklist) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('app.none')} />;
  const icon = (l: string) =>
    l === 'evidenced' ? (
      <CheckCircleFilled style={{ color: '#cf1322' }} />
    ) : l === 'suspected' ? (
      <ExclamationCircleFilled style={{ color: '#fa8c16' }} />
    ) : (
      <MinusCircleOutlined style={{ color: '#bfbfbf' }} />
    );
  return (
    <Row gutter={[8, 8]}>
      {ANCHORS.map((a) => (
        <Col span={12} key={a}>
          <Card size="small" data-testid={`check-${a}`} data-level={checklist[a] ?? 'none'}>
            <Space>
              {icon(checklist[a] ?? 'none')}
              <span>{tx('anchor', a)}</span>
              <Tag color={checklist[a] === 'evidenced' ? 'red' : checklist[a] === 'suspected' ? 'orange' : 'default'}>
                {tx('level', checklist[a] ?? 'none')}
              </Tag>
            </Space>
          </Card>
        </Col>
      ))}
    </Row>
  );
}

function LeadTimeline({ items }: { items: TimelineItem[] }) {
  const { tx, lang, t } = useI18n();
  // Escalation prefixes its audit actions with the service name; the command names carry the labels.
  const actionLabel = (a: string) => {
    const direct = tx('act', a);
    return direct !== a ? direct : tx('act', a.replace(/^escalation\./, ''));
  };
  if (!items.length) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('app.none')} />;
  return (
    <Timeline
      items={items.map((it, i) => ({
        key: `${it.at}-${i}`,
        color:
          it.service === 'escalation'
            ? 'red'
            : it.service === 'assessment'
              ? 'blue'
              : it.service === 'intake'
                ? 'green'
                : 'gray',
        children: (
          <div data-testid="timeline-item" data-action={it.action} data-to={it.to ?? ''}>
            <Space wrap size={4}>
              <Typography.Text type="secondary">{formatTime(it.at, lang)}</Typography.Text>
              <Tag>{tx('svc', it.service)}</Tag>
              <Typography.Text strong title={it.action}>
                {actionLabel(it.action)}
              </Typography.Text>
              {(it.from || it.to) && (
                <span>
                  {it.from ? tx('status', it.from) : '—'} → {it.to ? tx('status', it.to) : '—'}
                </span>
              )}
            </Space>
            <div>
              <Typography.Text type="secondary">
                {t('detail.by')}：
                {it.actor.type === 'system'
                  ? tx('actor.system', it.actor.name ?? 'system')
                  : (it.actor.name ?? it.actor.userId ?? it.actor.type)}
                {it.actor.role ? `（${tx('role', it.actor.role)}）` : ''}
              </Typography.Text>
            </div>
            {it.reason && (
              <div>
                {t('detail.reason')}：{it.reason}
              </div>
            )}
          </div>
        ),
      }))}
    />
  );
}

function useAfterChange(leadId: string) {
  const qc = useQueryClient();
  return () => {
    void qc.invalidateQueries({ queryKey: ['lead', leadId] });
    void qc.invalidateQueries({ queryKey: ['allowed', leadId] });
    void qc.invalidateQueries({ queryKey: ['case', leadId] });
    void qc.invalidateQueries({ queryKey: ['leads'] });
  };
}

function ActionModal({
  lead,
  action,
  title,
  onClose,
}: {
  lead: LeadDetail;
  action: string;
  title: string;
  onClose: () => void;
}) {
  const { t, tx } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<Record<string, unknown>>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const after = useAfterChange(lead.id);
  const fields = ACTION_FORMS[action] ?? GENERIC_FORM;

  const submit = async () => {
    let values: Record<string, unknown>;
    try {
      values = await form.validateFields();
    } catch {
      return; // the form shows what is missing
    }
    setBusy(true);
    setError(null);
    try {
      await api(`/api/v1/leads/${encodeURIComponent(lead.id)}/commands/${encodeURIComponent(action)}`, {
        method: 'POST',
        json: toBody(fields, values),
        headers: { 'idempotency-key': crypto.randomUUID() },
      });
      message.success(`${title}：${t('app.done')}`);
      after();
      onClose();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e), []));
    } finally {
      setBusy(false);
    }
  };

  const openRequests = lead.verifications.filter(
    (v) => !lead.verificationAnswers.some((x) => x.requestId === v.requestId),
  );

  const input = (f: FieldSpec) => {
    const opts = (f.options ?? []).map((o) => ({
      value: o,
      label: f.optionPrefix === 'cat' ? `${o} ${tx('cat', o)}` : tx(f.optionPrefix ?? '', o),
    }));
    switch (f.kind) {
      case 'text':
        return <Input />;
      case 'textarea':
      case 'lines':
        return <Input.TextArea autoSize={{ minRows: f.kind === 'lines' ? 2 : 3, maxRows: 10 }} />;
      case 'select':
        return <Select options={opts} showSearch optionFilterProp="label" />;
      case 'multiselect':
        return <Select mode="multiple" options={opts} />;
      case 'datetime':
        return <DatePicker showTime style={{ width: '100%' }} />;
      case 'bool':
        return (
          <Radio.Group>
            <Radio value={true}>{t(f.yes ?? 'app.yes')}</Radio>
            <Radio value={false}>{t(f.no ?? 'app.no')}</Radio>
          </Radio.Group>
        );
      case 'verification':
        return <Select options={openRequests.map((v) => ({ value: v.requestId, label: v.question }))} />;
      case 'caseItem':
        return <CaseItemSelect leadId={lead.id} field={f} />;
      case 'person':
        return <PersonSelect field={f} />;
      case 'lead':
        return <LeadSelect exclude={lead.id} />;
      case 'investigators':
        return null; // a list of its own (below)
      case 'json':
        return <Input.TextArea autoSize={{ minRows: 4 }} style={{ fontFamily: 'monospace' }} />;
    }
  };

  return (
    <Modal
      open
      title={title}
      onCancel={onClose}
      onOk={() => void submit()}
      confirmLoading={busy}
      okText={t('app.submit')}
      cancelText={t('app.cancel')}
      destroyOnHidden
      data-testid="action-modal"
      okButtonProps={{ 'data-testid': 'action-submit' } as Record<string, string>}
    >
      <ProblemAlert
        error={error}
        testId="action-error"
        labelOf={(path) => {
          const f = fields.find((x) => x.name === topField(path));
          return f ? t(f.label) : undefined;
        }}
      />
      <Form form={form} layout="vertical" name={`action-${action}`}>
        {fields.map((f) =>
          f.kind === 'investigators' ? (
            <InvestigatorsField key={f.name} field={f} />
          ) : (
            <Form.Item
              key={f.name}
              name={f.name}
              // Defaults, e.g. the two materials 移送规定 Art. 6 requires for a referral.
              initialValue={f.initial}
              label={t(f.label)}
              extra={f.help ? t(f.help) : undefined}
              rules={[
                ...(f.required
                  ? [
                      f.kind === 'multiselect'
                        ? { required: true, type: 'array' as const, min: 1, message: t(f.required) }
                        : { required: true, whitespace: true, message: t(f.required) },
                    ]
                  : []),
                ...(f.kind === 'json'
                  ? [
                      {
                        validator: (_: unknown, v: string) => {
                          try {
                            const o: unknown = JSON.parse(v || '{}');
                            return o && typeof o === 'object' && !Array.isArray(o)
                              ? Promise.resolve()
                              : Promise.reject(new Error(t('form.generic.invalid')));
                          } catch {
                            return Promise.reject(new Error(t('form.generic.invalid')));
                          }
                        },
                      },
                    ]
                  : []),
              ]}
            >
              {input(f)}
            </Form.Item>
          ),
        )}
      </Form>
    </Modal>
  );
}

/** What intake opens of a lead's sealed reporter identity for an audited reveal. */
interface RevealedReporter {
  anonymous: boolean;
  contactable: boolean;
  name: string | null;
  phone: string | null;
  contact: string | null;
  firstReport: boolean | null;
}

function RevealedReporterView({ reporter: r }: { reporter: RevealedReporter }) {
  const { t } = useI18n();
  const yesNo = (v: boolean | null) => (v === null ? '—' : v ? t('app.yes') : t('app.no'));
  return (
    <>
      {r.anonymous && <Alert type="info" showIcon style={{ marginBottom: 12 }} message={t('reveal.anonymous')} />}
      <Descriptions size="small" column={1} bordered data-testid="revealed-reporter">
        <Descriptions.Item label={t('reveal.name')}>{r.name ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('reveal.phone')}>{r.phone ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('reveal.contact')}>{r.contact ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('reveal.contactable')}>{yesNo(r.contactable)}</Descriptions.Item>
        <Descriptions.Item label={t('reveal.firstReport')}>{yesNo(r.firstReport)}</Descriptions.Item>
      </Descriptions>
      <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>
        {t('reveal.audited')}
      </Typography.Paragraph>
    </>
  );
}

function RevealModal({ leadId, title, onClose }: { leadId: string; title: string; onClose: () => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<{ reason: string }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [data, setData] = useState<RevealedReporter | null>(null);
  const after = useAfterChange(leadId);
  const submit = async () => {
    let v: { reason: string };
    try {
      v = await form.validateFields();
    } catch {
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const r = await api<{ data: { reporter: RevealedReporter } }>(
        `/api/v1/leads/${encodeURIComponent(leadId)}/reveal`,
        {
          method: 'POST',
          json: v,
        },
      );
      setData(r.data.reporter);
      after();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e), []));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      title={title}
      onCancel={onClose}
      onOk={data ? onClose : () => void submit()}
      confirmLoading={busy}
      okText={data ? t('app.confirm') : t('app.submit')}
      cancelText={t('app.cancel')}
    >
      <ProblemAlert error={error} testId="action-error" />
      {data ? (
        <RevealedReporterView reporter={data} />
      ) : (
        <Form form={form} layout="vertical">
          <Form.Item
            name="reason"
            label={t('form.reveal.reason')}
            rules={[{ required: true, whitespace: true, min: 2, message: t('form.reason.required') }]}
          >
            <Input.TextArea autoSize={{ minRows: 2 }} />
          </Form.Item>
        </Form>
      )}
    </Modal>
  );
}

function EvidenceModal({ leadId, title, onClose }: { leadId: string; title: string; onClose: () => void }) {
  const { t, tx } = useI18n();
  const { message } = App.useApp();
  const [type, setType] = useState<string>('PHOTO');
  const [file, setFile] = useState<File | null>(null);
  const [pct, setPct] = useState<number | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const after = useAfterChange(leadId);
  const submit = async () => {
    if (!file) return;
    const form = new FormData();
    form.append('type', type);
    form.append('file', file, file.name);
    setError(null);
    setPct(0);
    try {
      await uploadWithProgress(`/api/v1/leads/${encodeURIComponent(leadId)}/evidence`, form, setPct);
      message.success(t('app.done'));
      after();
      onClose();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e), []));
      setPct(null);
    }
  };
  return (
    <Modal
      open
      title={title}
      onCancel={onClose}
      onOk={() => void submit()}
      okButtonProps={{ disabled: !file }}
      confirmLoading={pct !== null}
      okText={t('app.submit')}
      cancelText={t('app.cancel')}
    >
      <ProblemAlert error={error} testId="action-error" />
      <Form layout="vertical">
        <Form.Item label={t('form.upload.type')}>
          <Select
            value={type}
            onChange={setType}
            options={EVIDENCE_TYPES.map((e) => ({ value: e, label: tx('evtype', e) }))}
          />
        </Form.Item>
        <Upload
          beforeUpload={(f) => {
            setFile(f);
            return false;
          }}
          maxCount={1}
          onRemove={() => setFile(null)}
        >
          <Button icon={<UploadOutlined />}>{t('form.upload.pick')}</Button>
        </Upload>
        {pct !== null && <Progress percent={pct} status="active" />}
      </Form>
    </Modal>
  );
}
