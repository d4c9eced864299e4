import { useState } from 'react';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { errorText } from '../api/client';
import { useAuth } from '../auth/auth';
import { useI18n } from '../i18n/i18n';

export default function LoginPage() {
  const { login } = useAuth();
  const { t, lang, setLang } = useI18n();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (v: { login: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      await login(v.login, v.password);
      if (window.location.pathname === '/login') window.history.replaceState(null, '', '/');
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div
      style={{
        minHeight: '100vh',
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'center',
        background: 'linear-gradient(160deg,#fdf2f0,#f5f7fa)',
        padding: 16,
      }}
    >
      <Card style={{ width: '100%', maxWidth: 380 }} data-testid="login-card">
        <div style={{ textAlign: 'right' }}>
          <Button
            size="small"
            type="link"
            onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}
            data-testid="lang-switch"
          >
            {t('app.lang')}
          </Button>
        </div>
        <Typography.Title level={3} style={{ textAlign: 'center', color: '#c0392b', marginTop: 0 }}>
          {t('app.name')}
        </Typography.Title>
        <Typography.Paragraph type="secondary" style={{ textAlign: 'center' }}>
          {t('app.subtitle')}
        </Typography.Paragraph>
        <Typography.Title level={5}>{t('login.title')}</Typography.Title>
        {error && (
          <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} data-testid="login-error" />
        )}
        <Form layout="vertical" onFinish={submit} requiredMark={false}>
          <Form.Item
            name="login"
            label={t('login.user')}
            htmlFor="login-user"
            rules={[{ required: true, message: t('login.user.required') }]}
          >
            <Input prefix={<UserOutlined />} autoComplete="username" id="login-user" size="large" />
          </Form.Item>
          <Form.Item
            name="password"
            label={t('login.password')}
            htmlFor="login-password"
            rules={[{ required: true, message: t('login.password.required') }]}
          >
            <Input.Password
              prefix={<LockOutlined />}
              autoComplete="current-password"
              id="login-password"
              size="large"
            />
          </Form.Item>
          <Button type="primary" htmlType="submit" block size="large" loading={busy} data-testid="login-submit">
            {t('login.submit')}
          </Button>
        </Form>
        <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginTop: 16, marginBottom: 0 }}>
          {t('login.demo')}
        </Typography.Paragraph>
      </Card>
    </div>
  );
}
