import { useState } from 'react';
import { Link } from 'react-router-dom';
import {
  Alert,
  Button,
  Card,
  Checkbox,
  Form,
  Input,
  InputNumber,
  Progress,
  Result,
  Select,
  Switch,
  Typography,
  Upload,
  type UploadFile,
} from 'antd';
import { CameraOutlined } from '@ant-design/icons';
import { api, ApiError, uploadWithProgress, errorText } from '../api/client';
import { ProblemAlert } from '../components/problem-alert';
import { LEAD_CHANNELS, SUBJECT_KINDS } from '../api/types';
import { useAuth } from '../auth/auth';
import type { MessageKey } from '../i18n/dict';
import { useI18n } from '../i18n/i18n';

interface FormValues {
  subjectName: string;
  subjectKind: string;
  uscc?: string;
  address: string;
  title?: string;
  description: string;
  promisedYieldPct?: number;
  amountYuan?: number;
  participants?: number;
  elderlyInvolved?: boolean;
  channels?: string[];
}

const USCC = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;
/** The form field behind a path of intake's lead body, for its error messages. */
const FILE_LEAD_FIELDS: Array<[prefix: string, label: MessageKey]> = [
  ['subjects/0/uscc', 'file.uscc'],
  ['subjects/0/kind', 'file.subjectKind'],
  ['subjects', 'file.subjectName'],
  ['location', 'file.address'],
  ['title', 'file.titleField'],
  ['description', 'file.description'],
  ['estimates/promisedYieldPct', 'file.yield'],
  ['estimates/amountYuan', 'file.amount'],
  ['estimates/participants', 'file.participants'],
  ['estimates/elderlyInvolved', 'file.elderly'],
  ['channels', 'file.channels'],
];
const fileLeadLabel =
  (t: (key: MessageKey) => string) =>
  (path: string): string | undefined => {
    const hit = FILE_LEAD_FIELDS.find(([prefix]) => path === prefix || path.startsWith(`${prefix}/`));
    return hit ? t(hit[1]) : undefined;
  };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Phone-first form for sentinels and volunteers on patrol: the lead first, then each photo with its own progress. */
export default function FileLeadPage() {
  const { t, tx } = useI18n();
  const { hasRole } = useAuth();
  const [form] = Form.useForm<FormValues>();
  const [photos, setPhotos] = useState<UploadFile[]>([]);
  const [phase, setPhase] = useState<'form' | 'submitting' | 'uploading' | 'done'>('form');
  const [progress, setProgress] = useState<{ name: string; pct: number } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [warning, setWarning] = useState<string | null>(null);
  const [filed, setFiled] = useState<{ id: string; reference: string } | null>(null);
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID());

  const submit = async (v: FormValues) => {
    setError(null);
    setWarning(null);
    setPhase('submitting');
    const estimates = Object.fromEntries(
      Object.entries({
        promisedYieldPct: v.promisedYieldPct,
        amountYuan: v.amountYuan,
        participants: v.participants,
        elderlyInvolved: v.elderlyInvolved,
      }).filter(([, x]) => x !== undefined && x !== null),
    );
    const body = {
      sourceChannel: hasRole('VOLUNTEER') && !hasRole('SENTINEL') ? 'BANK_MONITOR' : 'PATROL',
      title: v.title?.trim() || undefined,
      description: v.description.trim(),
      subjects: [
        {
          kind: v.subjectKind,
          name: v.subjectName.trim(),
          ...(v.uscc?.trim() ? { uscc: v.uscc.trim().toUpperCase() } : {}),
        },
      ],
      location: { addressText: v.address.trim() },
      ...(Object.keys(estimates).length ? { estimates } : {}),
      channels: v.channels ?? [],
    };
    let lead: { id: string; reference: string };
    try {
      lead = await api<{ id: string; reference: string }>('/api/v1/leads', {
        method: 'POST',
        json: body,
        headers: { 'idempotency-key': idempotencyKey },
      });
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e)));
      setPhase('form');
      return;
    }
    setFiled(lead);
    setPhase('uploading');
    for (const p of photos) {
      if (!p.originFileObj) continue;
      setProgress({ name: p.name, pct: 0 });
      const fd = new FormData();
      fd.append('type', 'PHOTO');
      fd.append('file', p.originFileObj, p.name);
      // The gateway learns of the new lead from Kafka a moment after intake answers: retry while it says 404.
      for (let attempt = 0; ; attempt++) {
        try {
          await uploadWithProgress(`/api/v1/leads/${encodeURIComponent(lead.id)}/evidence`, fd, (pct) =>
            setProgress({ name: p.name, pct }),
          );
          break;
        } catch (e) {
          if (e instanceof ApiError && e.status === 404 && attempt < 40) {
            await sleep(500);
            continue;
          }
          setWarning(t('file.photoFailed', { msg: errorText(e) }));
          break;
        }
      }
    }
    setProgress(null);
    setPhase('done');
  };

  const again = () => {
    form.resetFields();
    setPhotos([]);
    setFiled(null);
    setWarning(null);
    setIdempotencyKey(crypto.randomUUID());
    setPhase('form');
  };

  if (phase === 'done' && filed) {
    return (
      <Card style={{ maxWidth: 560, margin: '0 auto' }}>
        <Result
          status="success"
          title={<span data-testid="file-success">{t('file.success')}</span>}
          subTitle={<span data-testid="file-reference">{t('file.success.ref', { ref: filed.reference })}</span>}
          extra={[
            <Link key="view" to={`/leads/${filed.id}`} data-testid="file-view-lead">
              <Button type="primary">{t('file.success.view')}</Button>
            </Link>,
            <Button key="again" onClick={again}>
              {t('file.success.again')}
            </Button>,
          ]}
        />
        {warning && <Alert type="warning" showIcon message={warning} />}
      </Card>
    );
  }

  return (
    <Card
      title={<span data-testid="page-title">{t('file.title')}</span>}
      style={{ maxWidth: 560, margin: '0 auto' }}
      styles={{ body: { padding: 16 } }}
    >
      <Typography.Paragraph type="secondary">{t('file.intro')}</Typography.Paragraph>
      <ProblemAlert error={error} labelOf={fileLeadLabel(t)} testId="file-error" />
      <Form<FormValues>
        form={form}
        layout="vertical"
        onFinish={(v) => void submit(v)}
        initialValues={{ subjectKind: 'ENTERPRISE', channels: [] }}
        size="large"
        name="file-lead"
      >
        <Form.Item
          name="subjectName"
          label={t('file.subjectName')}
          rules={[{ required: true, whitespace: true, message: t('file.subjectName.required') }]}
        >
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item name="subjectKind" label={t('file.subjectKind')}>
          <Select options={SUBJECT_KINDS.map((k) => ({ value: k, label: tx('subject', k) }))} />
        </Form.Item>
        <Form.Item
          name="uscc"
          label={t('file.uscc')}
          rules={[
            { pattern: USCC, message: t('file.uscc.invalid'), transform: (v: string) => v?.trim().toUpperCase() },
          ]}
        >
          <Input maxLength={18} style={{ textTransform: 'uppercase' }} />
        </Form.Item>
        <Form.Item
          name="address"
          label={t('file.address')}
          extra={t('file.address.help')}
          rules={[{ required: true, whitespace: true, message: t('file.address.required') }]}
        >
          <Input maxLength={500} />
        </Form.Item>
        <Form.Item name="title" label={t('file.titleField')}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item
          name="description"
          label={t('file.description')}
          rules={[
            { required: true, whitespace: true, message: t('file.description.required') },
            { min: 10, message: t('file.description.min') },
          ]}
        >
          <Input.TextArea autoSize={{ minRows: 4, maxRows: 10 }} maxLength={20000} />
        </Form.Item>
        <Form.Item name="promisedYieldPct" label={t('file.yield')}>
          <InputNumber min={0} max={100000} style={{ width: '100%' }} inputMode="decimal" />
        </Form.Item>
        <Form.Item name="amountYuan" label={t('file.amount')}>
          <InputNumber min={0} style={{ width: '100%' }} inputMode="numeric" />
        </Form.Item>
        <Form.Item name="participants" label={t('file.participants')}>
          <InputNumber min={0} precision={0} style={{ width: '100%' }} inputMode="numeric" />
        </Form.Item>
        <Form.Item name="elderlyInvolved" label={t('file.elderly')} valuePropName="checked">
          <Switch />
        </Form.Item>
        <Form.Item name="channels" label={t('file.channels')}>
          <Checkbox.Group options={LEAD_CHANNELS.map((c) => ({ value: c, label: tx('channel', c) }))} />
        </Form.Item>
        <Form.Item label={t('file.photo')}>
          <Upload
            listType="picture-card"
            accept="image/*"
            multiple
            fileList={photos}
            beforeUpload={() => false}
            onChange={({ fileList }) => setPhotos(fileList)}
            data-testid="photo-upload"
          >
            <div>
              <CameraOutlined />
              <div style={{ marginTop: 4, fontSize: 12 }}>{t('file.photo.add')}</div>
            </div>
          </Upload>
        </Form.Item>
        {progress && (
          <div data-testid="upload-progress" style={{ marginBottom: 12 }}>
            <Typography.Text type="secondary">{t('file.uploading', { name: progress.name })}</Typography.Text>
            <Progress percent={progress.pct} status="active" />
          </div>
        )}
        <Button type="primary" htmlType="submit" block loading={phase !== 'form'} data-testid="file-submit">
          {phase === 'form' ? t('file.submit') : t('file.submitting')}
        </Button>
      </Form>
    </Card>
  );
}
