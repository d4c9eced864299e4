/**
 * The gateway client: bearer access token in memory (never in storage), refresh through the httpOnly refresh cookie,
 * problem+json errors turned into ApiError with the service's Chinese `detail`.
 */
export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail);
  }
}

/** What to tell the user about a failed call: the service's Chinese `detail`, or the error as it is. */
export function errorText(e: unknown): string {
  return e instanceof ApiError ? e.detail : String(e);
}

/**
 * A service's field errors in the words of the form: each message after the label of the field its path belongs to
 * (`labelOf("investigators/0/personId")` → 执法人员), or alone when the form has no such field. Paths are for
 * programs, not people.
 */
export function fieldErrorLines(e: ApiError, labelOf: (path: string) => string | undefined): string[] {
  return e.errors.map((x) => {
    const label = labelOf(x.path);
    return label ? `${label}：${x.message}` : x.message;
  });
}

/** The first segment of a field path ("investigators/0/personId" → "investigators"). */
export const topField = (path: string): string => path.split('/')[0] ?? '';

let accessToken: string | null = null;
let refreshing: Promise<boolean> | null = null;
let onExpired: () => void = () => undefined;

export function setAccessToken(t: string | null): void {
  accessToken = t;
}
export function hasAccessToken(): boolean {
  return accessToken !== null;
}
export function onSessionExpired(cb: () => void): void {
  onExpired = cb;
}

/** Generic Chinese fallbacks when a response carries no problem detail (e.g. a proxy's HTML error page). */
function fallbackDetail(status: number): string {
  if (status === 0) return '无法连接服务器，请检查网络后重试。';
  if (status === 401) return '登录已过期，请重新登录。';
  if (status === 403) return '您无权执行此操作。';
  if (status === 404) return '要访问的内容不存在。';
  if (status === 409) return '当前状态不允许此操作，请刷新后重试。';
  if (status === 413) return '文件过大。';
  if (status === 429) return '操作过于频繁，请稍后再试。';
  if (status >= 500) return '服务暂时不可用，请稍后重试。';
  return '请求未成功，请检查填写内容。';
}

export async function toApiError(status: number, body: string): Promise<ApiError> {
  try {
    const p = JSON.parse(body) as { code?: string; detail?: string; title?: string; errors?: FieldError[] };
    const errors = Array.isArray(p.errors) ? p.errors : [];
    return new ApiError(status, p.code ?? String(status), p.detail || fallbackDetail(status), errors);
  } catch {
    return new ApiError(status, String(status), fallbackDetail(status));
  }
}

/** Asks for a new access token with the refresh cookie; false when the session is over. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    try {
      const res = await fetch('/api/v1/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
        credentials: 'same-origin',
      });
      if (!res.ok) return false;
      const data = (await res.json()) as { accessToken: string };
      accessToken = data.accessToken;
      return true;
    } catch {
      return false;
    } finally {
      setTimeout(() => (refreshing = null), 0);
    }
  })();
  return refreshing;
}

export interface RequestOptions {
  method?: string;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  /** Do not try a refresh on 401 (login, refresh itself). */
  noRefresh?: boolean;
}

async function send(path: string, o: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...(o.headers ?? {}) };
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  let body = o.body;
  if (o.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(o.json);
  }
  try {
    return await fetch(path, { method: o.method ?? 'GET', headers, body, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'NETWORK', fallbackDetail(0));
  }
}

export async function api<T>(path: string, o: RequestOptions = {}): Promise<T> {
  let res = await send(path, o);
  if (res.status === 401 && !o.noRefresh) {
    if (await refreshSession()) res = await send(path, o);
    else onExpired();
  }
  const text = await res.text();
  if (!res.ok) throw await toApiError(res.status, text);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** XHR (fetch has no upload progress): multipart upload with a progress callback (0–100). */
export function uploadWithProgress<T>(path: string, form: FormData, onProgress: (pct: number) => void): Promise<T> {
  const attempt = () =>
    new Promise<{ status: number; body: string }>((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', path);
      if (accessToken) xhr.setRequestHeader('authorization', `Bearer ${accessToken}`);
      xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(Math.round((e.loaded / e.total) * 100));
      xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText });
      xhr.onerror = () => resolve({ status: 0, body: '' });
      xhr.send(form);
    });
  return (async () => {
    let r = await attempt();
    if (r.status === 401 && (await refreshSession())) r = await attempt();
    if (r.status < 200 || r.status >= 300) throw await toApiError(r.status, r.body);
    onProgress(100);
    return (r.body ? JSON.parse(r.body) : undefined) as T;
  })();
}

/** Downloads a file (CSV/XLSX export) with progress and saves it under the server's file name. */
export function downloadWithProgress(
  path: string,
  fallbackName: string,
  onProgress: (pct: number | null) => void,
): Promise<void> {
  const attempt = () =>
    new Promise<XMLHttpRequest>((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open('GET', path);
      xhr.responseType = 'blob';
      if (accessToken) xhr.setRequestHeader('authorization', `Bearer ${accessToken}`);
      xhr.onprogress = (e) => onProgress(e.lengthComputable ? Math.round((e.loaded / e.total) * 100) : null);
      xhr.onload = () => resolve(xhr);
      xhr.onerror = () => resolve(xhr);
      xhr.send();
    });
  return (async () => {
    let xhr = await attempt();
    if (xhr.status === 401 && (await refreshSession())) xhr = await attempt();
    if (xhr.status < 200 || xhr.status >= 300)
      throw await toApiError(xhr.status, xhr.response instanceof Blob ? await xhr.response.text() : '');
    const disposition = xhr.getResponseHeader('content-disposition') ?? '';
    const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? fallbackName;
    const url = URL.createObjectURL(xhr.response as Blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    onProgress(100);
  })();
}

export function queryString(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
