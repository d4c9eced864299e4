import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api, onSessionExpired, refreshSession, setAccessToken } from '../api/client';
import type { LoginAnswer, Me, Role } from '../api/types';

interface Auth {
  user: Me | null;
  /** True until the first refresh attempt (a reload keeps the session through the refresh cookie). */
  booting: boolean;
  login: (login: string, password: string) => Promise<Me>;
  logout: () => Promise<void>;
  /** The user has a password of their own now (no longer an administrator's one-time one). */
  passwordChanged: () => void;
  hasRole: (...roles: Role[]) => boolean;
}

const Ctx = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<Me | null>(null);
  const [booting, setBooting] = useState(true);
  const qc = useQueryClient();

  useEffect(() => {
    onSessionExpired(() => {
      setAccessToken(null);
      setUser(null);
      qc.clear();
    });
    void (async () => {
      if (await refreshSession()) {
        try {
          setUser(await api<Me>('/api/v1/me'));
        } catch {
          setUser(null);
        }
      }
      setBooting(false);
    })();
  }, [qc]);

  const login = useCallback(
    async (loginName: string, password: string) => {
      const a = await api<LoginAnswer>('/api/v1/auth/login', {
        method: 'POST',
        json: { login: loginName, password },
        noRefresh: true,
      });
      setAccessToken(a.accessToken);
      qc.clear();
      setUser(a.user);
      return a.user;
    },
    [qc],
  );

  const logout = useCallback(async () => {
    try {
      await api<void>('/api/v1/auth/logout', { method: 'POST', json: {}, noRefresh: true });
    } finally {
      setAccessToken(null);
      setUser(null);
      qc.clear();
    }
  }, [qc]);

  const passwordChanged = useCallback(() => setUser((u) => (u ? { ...u, mustChangePassword: false } : u)), []);

  const value = useMemo<Auth>(
    () => ({
      user,
      booting,
      login,
      logout,
      passwordChanged,
      hasRole: (...roles) => !!user && user.roles.some((r) => roles.includes(r)),
    }),
    [user, booting, login, logout, passwordChanged],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useAuth(): Auth {
  const v = useContext(Ctx);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}

/** Which pages a role sees (the gateway enforces the same on every route). */
export const PAGE_ROLES = {
  leads: ['SENTINEL', 'VOLUNTEER', 'STREET_RESPONSIBLE', 'OFFICER', 'SUPERVISOR', 'ADMIN'],
  file: ['SENTINEL', 'VOLUNTEER', 'STREET_RESPONSIBLE', 'OFFICER'],
  roster: ['ADMIN', 'SUPERVISOR'],
  ops: ['OPERATOR', 'ADMIN'],
  notify: ['OPERATOR', 'ADMIN'],
  accounts: ['ADMIN'],
} as const satisfies Record<string, readonly Role[]>;
