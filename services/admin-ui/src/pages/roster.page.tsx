import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Form,
  Input,
  Modal,
  Popconfirm,
  Select,
  Space,
  Switch,
  Table,
  Tabs,
  Tag,
} from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { api, ApiError, errorText } from '../api/client';
import { ROLES, type Role } from '../api/types';
import { useI18n } from '../i18n/i18n';

interface Person {
  id: string;
  name: string;
  roles: Role[];
  unit: string | null;
  institution: string | null;
  canCertify: boolean;
  streetCodes: string[];
  gridIds: string[];
  active: boolean;
}
interface Pairing {
  id: string;
  volunteerId: string;
  sentinelId: string;
  gridIds: string[];
  status: 'ACTIVE' | 'SUSPENDED' | 'ENDED';
}

const splitList = (s: string | undefined) =>
  (s ?? '')
    .split(/[\s,，]+/)
    .map((x) => x.trim())
    .filter(Boolean);

/** Roster and pairings (结对), ADMIN/SUPERVISOR: forwarded by the gateway to assessment, which owns the roster. */
export default function RosterPage() {
  const { t, tx } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const people = useQuery({
    queryKey: ['roster', 'people'],
    queryFn: () => api<{ items: Person[] }>('/api/v1/roster/people'),
  });
  const pairings = useQuery({
    queryKey: ['roster', 'pairings'],
    queryFn: () => api<{ items: Pairing[] }>('/api/v1/roster/pairings'),
  });
  const [editPerson, setEditPerson] = useState<Partial<Person> | null>(null);
  const [editPairing, setEditPairing] = useState<Partial<Pairing> | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [personForm] = Form.useForm();
  const [pairForm] = Form.useForm();

  const unavailable = (e: unknown) => e instanceof ApiError && e.status === 404 && e.code === 'NOT_FOUND';
  const refresh = () => void qc.invalidateQueries({ queryKey: ['roster'] });
  const fail = (e: unknown) => setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e)));

  const savePerson = async () => {
    const v = (await personForm.validateFields().catch(() => null)) as Record<string, unknown> | null;
    if (!v) return;
    setError(null);
    const body = {
      id: v.id,
      name: v.name,
      roles: v.roles,
      unit: v.unit || undefined,
      institution: v.institution || undefined,
      canCertify: !!v.canCertify,
      streetCodes: splitList(v.streetCodes as string),
      gridIds: splitList(v.gridIds as string),
    };
    try {
      if (editPerson?.id)
        await api(`/api/v1/roster/people/${encodeURIComponent(editPerson.id)}`, { method: 'PUT', json: body });
      else await api('/api/v1/roster/people', { method: 'POST', json: body });
      message.success(t('app.saved'));
      setEditPerson(null);
      refresh();
    } catch (e) {
      fail(e);
    }
  };

  const savePairing = async () => {
    const v = (await pairForm.validateFields().catch(() => null)) as Record<string, unknown> | null;
    if (!v) return;
    setError(null);
    const body = {
      id: v.id,
      volunteerId: v.volunteerId,
      sentinelId: v.sentinelId,
      gridIds: splitList(v.gridIds as string),
      status: v.status ?? 'ACTIVE',
    };
    try {
      if (editPairing?.id)
        await api(`/api/v1/roster/pairings/${encodeURIComponent(editPairing.id)}`, { method: 'PUT', json: body });
      else await api('/api/v1/roster/pairings', { method: 'POST', json: body });
      message.success(t('app.saved'));
      setEditPairing(null);
      refresh();
    } catch (e) {
      fail(e);
    }
  };

  const remove = async (path: string) => {
    try {
      await api(path, { method: 'DELETE' });
      message.success(t('app.done'));
      refresh();
    } catch (e) {
      message.error(errorText(e));
    }
  };

  if (unavailable(people.error)) return <Alert type="warning" showIcon message={t('roster.unavailable')} />;
  const byId = new Map((people.data?.items ?? []).map((p) => [p.id, p.name]));
  const req = [{ required: true, whitespace: true, message: t('roster.required') }];

  return (
    <Card title={<span data-testid="page-title">{t('roster.people')}</span>}>
      {people.error && <Alert type="error" showIcon message={(people.error as ApiError).detail} />}
      <Tabs
        items={[
          {
            key: 'people',
            label: t('roster.people'),
            children: (
              <>
                <Button
                  icon={<PlusOutlined />}
                  style={{ marginBottom: 12 }}
                  onClick={() => {
                    setError(null);
                    personForm.resetFields();
                    setEditPerson({});
                  }}
                >
                  {t('roster.add')}
                </Button>
                <Table<Person>
                  rowKey="id"
                  size="small"
                  loading={people.isLoading}
                  dataSource={people.data?.items ?? []}
                  scroll={{ x: 900 }}
                  columns={[
                    { title: t('roster.id'), dataIndex: 'id', width: 130 },
                    { title: t('roster.name'), dataIndex: 'name' },
                    {
                      title: t('roster.roles'),
                      dataIndex: 'roles',
                      render: (v: Role[]) => v.map((r) => <Tag key={r}>{tx('role', r)}</Tag>),
                    },
                    { title: t('roster.unit'), render: (_, r) => r.unit ?? r.institution ?? '—' },
                    { title: t('roster.grids'), dataIndex: 'gridIds', render: (v: string[]) => v.join(' ') || '—' },
                    {
                      title: t('roster.canCertify'),
                      dataIndex: 'canCertify',
                      width: 90,
                      render: (v: boolean) => (v ? t('app.yes') : t('app.no')),
                    },
                    {
                      title: t('roster.active'),
                      dataIndex: 'active',
                      width: 70,
                      render: (v: boolean) => (
                        <Tag color={v ? 'green' : 'default'}>{v ? t('app.yes') : t('app.no')}</Tag>
                      ),
                    },
                    {
                      title: '',
                      width: 150,
                      render: (_, r) => (
                        <Space size={4}>
                          <Button
                            size="small"
                            onClick={() => {
                              setError(null);
                              personForm.setFieldsValue({
                                ...r,
                                streetCodes: r.streetCodes.join(' '),
                                gridIds: r.gridIds.join(' '),
                              });
                              setEditPerson(r);
                            }}
                          >
                            {t('roster.edit')}
                          </Button>
                          <Popconfirm
                            title={t('roster.deactivate.confirm')}
                            okText={t('app.confirm')}
                            cancelText={t('app.cancel')}
                            onConfirm={() => void remove(`/api/v1/roster/people/${encodeURIComponent(r.id)}`)}
                          >
                            <Button size="small" danger disabled={!r.active}>
                              {t('roster.deactivate')}
                            </Button>
                          </Popconfirm>
                        </Space>
                      ),
                    },
                  ]}
                />
              </>
            ),
          },
          {
            key: 'pairings',
            label: t('roster.pairings'),
            children: (
              <>
                <Button
                  icon={<PlusOutlined />}
                  style={{ marginBottom: 12 }}
                  onClick={() => {
                    setError(null);
                    pairForm.resetFields();
                    setEditPairing({});
                  }}
                >
                  {t('roster.add')}
                </Button>
                <Table<Pairing>
                  rowKey="id"
                  size="small"
                  loading={pairings.isLoading}
                  dataSource={pairings.data?.items ?? []}
                  scroll={{ x: 700 }}
                  columns={[
                    { title: t('roster.id'), dataIndex: 'id', width: 100 },
                    { title: t('roster.volunteer'), dataIndex: 'volunteerId', render: (v: string) => byId.get(v) ?? v },
                    { title: t('roster.sentinel'), dataIndex: 'sentinelId', render: (v: string) => byId.get(v) ?? v },
                    { title: t('roster.grids'), dataIndex: 'gridIds', render: (v: string[]) => v.join(' ') },
                    {
                      title: t('roster.status'),
                      dataIndex: 'status',
                      render: (v: string) => (
                        <Tag color={v === 'ACTIVE' ? 'green' : 'default'}>{tx('roster.pair', v)}</Tag>
                      ),
                    },
                    {
                      title: '',
                      width: 170,
                      render: (_, r) => (
                        <Space size={4}>
                          <Button
                            size="small"
                            onClick={() => {
                              setError(null);
                              pairForm.setFieldsValue({ ...r, gridIds: r.gridIds.join(' ') });
                              setEditPairing(r);
                            }}
                          >
                            {t('roster.edit')}
                          </Button>
                          <Popconfirm
                            title={t('roster.end.confirm')}
                            okText={t('app.confirm')}
                            cancelText={t('app.cancel')}
                            onConfirm={() => void remove(`/api/v1/roster/pairings/${encodeURIComponent(r.id)}`)}
                          >
                            <Button size="small" danger disabled={r.status === 'ENDED'}>
                              {t('roster.end')}
                            </Button>
                          </Popconfirm>
                        </Space>
                      ),
                    },
                  ]}
                />
              </>
            ),
          },
        ]}
      />
      <Modal
        open={!!editPerson}
        title={editPerson?.id ? t('roster.edit') : t('roster.add')}
        onCancel={() => setEditPerson(null)}
        onOk={() => void savePerson()}
        okText={t('app.submit')}
        cancelText={t('app.cancel')}
        forceRender
      >
        {error && (
          <Alert
            type="error"
            showIcon
            message={error.detail}
            description={error.errors.map((e) => `${e.path}：${e.message}`).join('；') || undefined}
            style={{ marginBottom: 12 }}
          />
        )}
        <Form form={personForm} layout="vertical">
          <Form.Item name="id" label={t('roster.id')} rules={req}>
            <Input disabled={!!editPerson?.id} />
          </Form.Item>
          <Form.Item name="name" label={t('roster.name')} rules={req}>
            <Input />
          </Form.Item>
          <Form.Item
            name="roles"
            label={t('roster.roles')}
            rules={[{ required: true, type: 'array', min: 1, message: t('roster.required') }]}
          >
            <Select mode="multiple" options={ROLES.map((r) => ({ value: r, label: tx('role', r) }))} />
          </Form.Item>
          <Form.Item name="unit" label={t('roster.unit')}>
            <Input />
          </Form.Item>
          <Form.Item name="institution" label={t('roster.institution')}>
            <Input />
          </Form.Item>
          <Form.Item name="streetCodes" label={t('roster.streets')}>
            <Input placeholder="440106001" />
          </Form.Item>
          <Form.Item name="gridIds" label={t('roster.grids')}>
            <Input placeholder="G-440106001-C01" />
          </Form.Item>
          <Form.Item name="canCertify" label={t('roster.canCertify')} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        open={!!editPairing}
        title={editPairing?.id ? t('roster.edit') : t('roster.add')}
        onCancel={() => setEditPairing(null)}
        onOk={() => void savePairing()}
        okText={t('app.submit')}
        cancelText={t('app.cancel')}
        forceRender
      >
        {error && <Alert type="error" showIcon message={error.detail} style={{ marginBottom: 12 }} />}
        <Form form={pairForm} layout="vertical">
          <Form.Item name="id" label={t('roster.id')} rules={req}>
            <Input disabled={!!editPairing?.id} />
          </Form.Item>
          <Form.Item name="volunteerId" label={t('roster.volunteer')} rules={req}>
            <Select
              showSearch
              optionFilterProp="label"
              options={(people.data?.items ?? [])
                .filter((p) => p.roles.includes('VOLUNTEER'))
                .map((p) => ({ value: p.id, label: `${p.name}（${p.id}）` }))}
            />
          </Form.Item>
          <Form.Item name="sentinelId" label={t('roster.sentinel')} rules={req}>
            <Select
              showSearch
              optionFilterProp="label"
              options={(people.data?.items ?? [])
                .filter((p) => p.roles.includes('SENTINEL'))
                .map((p) => ({ value: p.id, label: `${p.name}（${p.id}）` }))}
            />
          </Form.Item>
          <Form.Item name="gridIds" label={t('roster.grids')} rules={req}>
            <Input placeholder="G-440106001-C01" />
          </Form.Item>
          <Form.Item name="status" label={t('roster.status')} initialValue="ACTIVE">
            <Select
              options={['ACTIVE', 'SUSPENDED', 'ENDED'].map((s) => ({ value: s, label: tx('roster.pair', s) }))}
            />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
