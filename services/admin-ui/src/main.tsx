import { StrictMode, Suspense, lazy, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider, Result, Spin } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import enUS from 'antd/locale/en_US';
import { ApiError } from './api/client';
import { AuthProvider, PAGE_ROLES, useAuth } from './auth/auth';
import { I18nProvider, useI18n } from './i18n/i18n';
import type { Role } from './api/types';
import { AppLayout } from './layout/app-layout';
import { ErrorBoundary } from './components/error-boundary';
import LoginPage from './pages/login.page';

// Every page is its own chunk: the phone-sized form never downloads the charts or the operator console.
const LeadsPage = lazy(() => import('./pages/leads.page'));
const LeadDetailPage = lazy(() => import('./pages/lead-detail.page'));
const FileLeadPage = lazy(() => import('./pages/file-lead.page'));
const DashboardPage = lazy(() => import('./pages/dashboard.page'));
const OpsPage = lazy(() => import('./pages/ops.page'));
const RosterPage = lazy(() => import('./pages/roster.page'));
const NotificationSettingsPage = lazy(() => import('./pages/notification-settings.page'));
const AccountsPage = lazy(() => import('./pages/accounts.page'));
const PasswordPage = lazy(() => import('./pages/password.page'));

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      retry: (count, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && count < 2,
    },
  },
});

function Guard({ roles, children }: { roles: readonly Role[]; children: ReactNode }) {
  const { hasRole } = useAuth();
  const { t } = useI18n();
  return hasRole(...roles) ? <>{children}</> : <Result status="403" title="403" subTitle={t('app.forbidden')} />;
}

/** Where a role starts: the queue of what usually waits for it. */
function homeQueue(hasRole: (...roles: Role[]) => boolean): string {
  if (hasRole('OFFICER')) return '/queue/decide'; // officers decide; they rarely hold assignments
  if (hasRole('SUPERVISOR')) return '/queue/approve'; // heads approve referrals and measures
  if (hasRole('SENTINEL')) return '/queue/grid';
  return '/queue/mine';
}

function Home() {
  const { hasRole } = useAuth();
  if (hasRole(...PAGE_ROLES.leads)) return <Navigate to={homeQueue(hasRole)} replace />;
  if (hasRole(...PAGE_ROLES.ops)) return <Navigate to="/console" replace />;
  return <Navigate to="/dashboard" replace />;
}

function Routed() {
  const { user, booting } = useAuth();
  const { t } = useI18n();
  const location = useLocation();
  if (booting) return <Spin size="large" fullscreen tip={t('app.loading')} />;
  if (!user) return <LoginPage />;
  if (user.mustChangePassword)
    return (
      <Suspense fallback={<Spin fullscreen />}>
        <PasswordPage forced />
      </Suspense>
    );
  return (
    <AppLayout>
      <ErrorBoundary title={t('app.crashed')} resetKey={location.pathname}>
        <Suspense fallback={<Spin style={{ display: 'block', margin: 48 }} />}>
          <Routes>
            <Route path="/" element={<Home />} />
            <Route path="/login" element={<Home />} />
            <Route
              path="/queue/:queue"
              element={
                <Guard roles={PAGE_ROLES.leads}>
                  <LeadsPage />
                </Guard>
              }
            />
            <Route
              path="/leads"
              element={
                <Guard roles={PAGE_ROLES.leads}>
                  <LeadsPage />
                </Guard>
              }
            />
            <Route
              path="/leads/:id"
              element={
                <Guard roles={PAGE_ROLES.leads}>
                  <LeadDetailPage />
                </Guard>
              }
            />
            <Route
              path="/file"
              element={
                <Guard roles={PAGE_ROLES.file}>
                  <FileLeadPage />
                </Guard>
              }
            />
            <Route
              path="/dashboard"
              element={
                <Guard roles={PAGE_ROLES.leads}>
                  <DashboardPage />
                </Guard>
              }
            />
            <Route
              path="/roster"
              element={
                <Guard roles={PAGE_ROLES.roster}>
                  <RosterPage />
                </Guard>
              }
            />
            <Route
              path="/console"
              element={
                <Guard roles={PAGE_ROLES.ops}>
                  <OpsPage />
                </Guard>
              }
            />
            <Route
              path="/notifications"
              element={
                <Guard roles={PAGE_ROLES.notify}>
                  <NotificationSettingsPage />
                </Guard>
              }
            />
            <Route
              path="/accounts"
              element={
                <Guard roles={PAGE_ROLES.accounts}>
                  <AccountsPage />
                </Guard>
              }
            />
            <Route path="/password" element={<PasswordPage />} />
            <Route path="*" element={<Result status="404" title="404" subTitle={t('app.notFound')} />} />
          </Routes>
        </Suspense>
      </ErrorBoundary>
    </AppLayout>
  );
}

function Localised() {
  const { lang } = useI18n();
  return (
    <ConfigProvider
      locale={lang === 'zh' ? zhCN : enUS}
      theme={{ token: { colorPrimary: '#c0392b', borderRadius: 6 } }}
    >
      <AntApp>
        <QueryClientProvider client={queryClient}>
          <AuthProvider>
            <BrowserRouter>
              <Routed />
            </BrowserRouter>
          </AuthProvider>
        </QueryClientProvider>
      </AntApp>
    </ConfigProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nProvider>
      <Localised />
    </I18nProvider>
  </StrictMode>,
);
