import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Form, Input, Modal, Space, Table, Tag, Typography } from 'antd';
import { api, ApiError, errorText } from '../api/client';
import { ProblemAlert } from '../components/problem-alert';
import type { Role } from '../api/types';
import { formatTime } from '../components/tags';
import { useI18n } from '../i18n/i18n';

interface AccountRow {
  personId: string;
  name: string;
  roles: Role[];
  unit: string | null;
  active: boolean;
  login: string | null;
  disabled: boolean;
  lockedUntil: string | null;
  mustChangePassword: boolean;
  lastLoginAt: string | null;
}

type Action = 'reset-password' | 'unlock' | 'disable' | 'enable';

/**
 * 账号管理 (ADMIN): who on the roster can sign in. Opening an account or resetting a password gives a one-time
 * password, shown here once, which its owner changes at the next sign-in.
 */
export default function AccountsPage() {
  const { t, lang } = useI18n();
  const { message, modal } = App.useApp();
  const qc = useQueryClient();
  const accounts = useQuery({
    queryKey: ['accounts'],
    queryFn: () => api<{ items: AccountRow[] }>('/api/v1/accounts'),
  });
  const [opening, setOpening] = useState<AccountRow | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [issued, setIssued] = useState<{ login: string; temporaryPassword: string } | null>(null);
  const [form] = Form.useForm<{ login: string }>();
  const refresh = () => void qc.invalidateQueries({ queryKey: ['accounts'] });
  const now = Date.now();

  const open = async () => {
    if (!opening) return;
    let v: { login: string };
    try {
      v = await form.validateFields();
    } catch {
      return;
    }
    setError(null);
    try {
      const r = await api<{ login: string; temporaryPassword: string }>('/api/v1/accounts', {
        method: 'POST',
        json: { personId: opening.personId, login: v.login.trim() },
      });
      setOpening(null);
      form.resetFields();
      setIssued(r);
      refresh();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e)));
    }
  };

  const act = (row: AccountRow, action: Action) =>
    modal.confirm({
      title: `${t(`accounts.${action}`)}：${row.name}（${row.login}）`,
      content: t(`accounts.${action}.confirm`),
      okText: t('app.confirm'),
      cancelText: t('app.cancel'),
      okButtonProps: { danger: action === 'disable' || action === 'reset-password' },
      onOk: async () => {
        try {
          const r = await api<{ login: string; temporaryPassword?: string }>(
            `/api/v1/accounts/${encodeURIComponent(row.personId)}/${action}`,
            { method: 'POST', json: {} },
          );
          if (r.temporaryPassword) setIssued({ login: r.login, temporaryPassword: r.temporaryPassword });
          else message.success(t('app.done'));
          refresh();
        } catch (e) {
          message.error(errorText(e));
        }
      },
    });

  const state = (r: AccountRow) => {
    if (!r.login) return <Tag>{t('accounts.state.none')}</Tag>;
    if (r.disabled) return <Tag color="default">{t('accounts.state.disabled')}</Tag>;
    if (r.lockedUntil && new Date(r.lockedUntil).getTime() > now)
      return <Tag color="red">{t('accounts.state.locked')}</Tag>;
    if (r.mustChangePassword) return <Tag color="gold">{t('accounts.state.mustChange')}</Tag>;
    return <Tag color="green">{t('accounts.state.ok')}</Tag>;
  };

  return (
    <Card title={<span data-testid="page-title">{t('menu.accounts')}</span>} data-testid="accounts">
      <Typography.Paragraph type="secondary">{t('accounts.intro')}</Typography.Paragraph>
      {accounts.error && <Alert type="error" showIcon message={errorText(accounts.error)} />}
      <Table<AccountRow>
        size="small"
        rowKey="personId"
        loading={accounts.isLoading}
        dataSource={accounts.data?.items ?? []}
        scroll={{ x: 960 }}
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        onRow={(r) =>
          ({ 'data-testid': 'account-row', 'data-person': r.personId }) as React.HTMLAttributes<HTMLElement>
        }
        columns={[
          { title: t('accounts.name'), render: (_, r) => `${r.name}（${r.personId}）` },
          { title: t('me.roles'), render: (_, r) => r.roles.map((x) => t(`role.${x}`)).join('、') },
          { title: t('accounts.unit'), render: (_, r) => r.unit ?? '—' },
          { title: t('accounts.login'), width: 130, render: (_, r) => r.login ?? '—' },
          { title: t('accounts.state'), width: 110, render: (_, r) => state(r) },
          { title: t('accounts.lastLogin'), width: 170, render: (_, r) => formatTime(r.lastLoginAt, lang) },
          {
            title: '',
            width: 260,
            render: (_, r) =>
              !r.login ? (
                <Button
                  size="small"
                  type="primary"
                  disabled={!r.active}
                  onClick={() => {
                    setError(null);
                    setOpening(r);
                  }}
                  data-testid="account-open"
                >
                  {t('accounts.open')}
                </Button>
              ) : (
                <Space size={4} wrap>
                  <Button size="small" onClick={() => act(r, 'reset-password')} data-testid="account-reset">
                    {t('accounts.reset-password')}
                  </Button>
                  {r.lockedUntil && new Date(r.lockedUntil).getTime() > now && (
                    <Button size="small" onClick={() => act(r, 'unlock')} data-testid="account-unlock">
                      {t('accounts.unlock')}
                    </Button>
                  )}
                  {r.disabled ? (
                    <Button size="small" onClick={() => act(r, 'enable')} data-testid="account-enable">
                      {t('accounts.enable')}
                    </Button>
                  ) : (
                    <Button size="small" danger onClick={() => act(r, 'disable')} data-testid="account-disable">
                      {t('accounts.disable')}
                    </Button>
                  )}
                </Space>
              ),
          },
        ]}
      />

      <Modal
        open={opening !== null}
        title={`${t('accounts.open')}：${opening?.name ?? ''}`}
        onCancel={() => setOpening(null)}
        onOk={() => void open()}
        okText={t('app.submit')}
        cancelText={t('app.cancel')}
        destroyOnHidden
      >
        <ProblemAlert error={error} labelOf={(p) => (p === 'login' ? t('accounts.login') : undefined)} />
        <Form form={form} layout="vertical">
          <Form.Item
            name="login"
            label={t('accounts.login')}
            extra={t('accounts.login.rule')}
            rules={[
              { required: true, message: t('accounts.login.rule') },
              { pattern: /^[A-Za-z][A-Za-z0-9._-]{2,31}$/, message: t('accounts.login.rule') },
            ]}
          >
            <Input autoComplete="off" />
          </Form.Item>
        </Form>
      </Modal>

      <Modal
        open={issued !== null}
        title={t('accounts.issued')}
        onOk={() => setIssued(null)}
        onCancel={() => setIssued(null)}
        okText={t('app.confirm')}
        cancelButtonProps={{ style: { display: 'none' } }}
      >
        <Alert type="warning" showIcon style={{ marginBottom: 12 }} message={t('accounts.issued.once')} />
        <p>
          {t('accounts.login')}：<b>{issued?.login}</b>
        </p>
        <p>
          {t('accounts.temporary')}：
          <Typography.Text code copyable data-testid="account-temporary-password">
            {issued?.temporaryPassword}
          </Typography.Text>
        </p>
      </Modal>
    </Card>
  );
}
