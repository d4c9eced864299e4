import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { en, zh, type MessageKey } from './dict';

export type Lang = 'zh' | 'en';
const STORAGE_KEY = 'outpost.lang';

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

interface I18n {
  lang: Lang;
  setLang: (l: Lang) => void;
  t: Translate;
  /** A label for a dynamic key (e.g. `status.${s}`); falls back to the raw code when the dictionary lacks it. */
  tx: (prefix: string, code: string | null | undefined) => string;
  /** Picks the language's side of a server-provided { zh, en } label. */
  pick: (label: { zh: string; en: string } | null | undefined, fallback?: string) => string;
}

const Ctx = createContext<I18n | null>(null);

function format(s: string, vars?: Record<string, string | number>): string {
  return vars ? s.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? `{${k}}`)) : s;
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => (localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh'));
  const setLang = useCallback((l: Lang) => {
    localStorage.setItem(STORAGE_KEY, l);
    document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
    setLangState(l);
  }, []);
  const value = useMemo<I18n>(() => {
    const dict: Record<MessageKey, string> = lang === 'zh' ? zh : en;
    const t: Translate = (key, vars) => format(dict[key] ?? key, vars);
    return {
      lang,
      setLang,
      t,
      tx: (prefix, code) => {
        if (code === null || code === undefined || code === '') return '—';
        const k = `${prefix}.${code}` as MessageKey;
        return k in dict ? dict[k] : code;
      },
      pick: (label, fallback = '—') => (label ? (lang === 'zh' ? label.zh : label.en) || label.zh : fallback),
    };
  }, [lang, setLang]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
