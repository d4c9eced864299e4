import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Alert, App, Button, Card, Form, Input, Typography } from 'antd';
import { api, ApiError } from '../api/client';
import { ProblemAlert } from '../components/problem-alert';
import { useAuth } from '../auth/auth';
import { useI18n } from '../i18n/i18n';

interface Values {
  currentPassword: string;
  newPassword: string;
  confirm: string;
}

/**
 * 修改密码: from the user menu, and the only page an account holding an administrator's one-time password sees
 * (`forced`) until it has a password of its own.
 */
export default function PasswordPage({ forced = false }: { forced?: boolean }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const { passwordChanged, logout } = useAuth();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const submit = async (v: Values) => {
    setBusy(true);
    setError(null);
    try {
      await api('/api/v1/me/password', {
        method: 'POST',
        json: { currentPassword: v.currentPassword, newPassword: v.newPassword },
      });
      message.success(t('password.changed'));
      form.resetFields();
      passwordChanged();
      void navigate('/', { replace: true });
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e)));
    } finally {
      setBusy(false);
    }
  };
  const labels: Record<string, string> = {
    currentPassword: t('password.current'),
    newPassword: t('password.new'),
  };

  return (
    <Card
      title={<span data-testid="page-title">{t('password.title')}</span>}
      style={{ maxWidth: 440, margin: forced ? '64px auto' : '0 auto' }}
      data-testid="password-page"
    >
      {forced && <Alert type="warning" showIcon style={{ marginBottom: 16 }} message={t('password.forced')} />}
      <ProblemAlert error={error} labelOf={(p) => labels[p]} testId="password-error" />
      <Form<Values> form={form} layout="vertical" onFinish={(v) => void submit(v)} name="password">
        <Form.Item
          name="currentPassword"
          label={forced ? t('password.temporary') : t('password.current')}
          rules={[{ required: true, message: t('password.required') }]}
        >
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <Form.Item
          name="newPassword"
          label={t('password.new')}
          extra={t('password.rule')}
          rules={[
            { required: true, message: t('password.required') },
            { min: 10, message: t('password.rule') },
            { pattern: /^(?=.*[A-Za-z])(?=.*\d)/, message: t('password.rule') },
          ]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item
          name="confirm"
          label={t('password.confirm')}
          dependencies={['newPassword']}
          rules={[
            { required: true, message: t('password.required') },
            ({ getFieldValue }) => ({
              validator: (_, v) =>
                !v || v === getFieldValue('newPassword')
                  ? Promise.resolve()
                  : Promise.reject(new Error(t('password.mismatch'))),
            }),
          ]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy} block data-testid="password-submit">
          {t('password.submit')}
        </Button>
        {forced && (
          <Typography.Paragraph style={{ marginTop: 16, marginBottom: 0, textAlign: 'center' }}>
            <Button type="link" onClick={() => void logout()}>
              {t('logout')}
            </Button>
          </Typography.Paragraph>
        )}
      </Form>
    </Card>
  );
}
