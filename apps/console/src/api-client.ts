/**
 * The console's only way to the daemon: `fetch` to the same origin, every call with the signed-in
 * bearer in the Authorization header (never in a URL), JSON in and out, refusals as {@link ApiError}.
 */

/** A refusal from the daemon (its `{"error":{code,message,field}}` envelope), or no answer at all (status 0). */
export class ApiError extends Error {
  readonly brand = 'syncropel.console.ApiError' as const;
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Whether `e` is an {@link ApiError} (by brand, as elsewhere in the project). */
export function isApiError(e: unknown): e is ApiError {
  return typeof e === 'object' && e !== null && (e as { brand?: unknown }).brand === 'syncropel.console.ApiError';
}

/** Query parameters; `undefined` ones are left out. */
export type Query = { readonly [name: string]: string | number | undefined };

/** One call: its query, its JSON body, and statuses besides 2xx whose JSON body is an answer (a 503 health). */
export interface CallOptions {
  readonly query?: Query;
  readonly body?: unknown;
  readonly accept?: readonly number[];
}

/** An answer: the status and the parsed JSON body. */
export interface Answer<T> {
  readonly status: number;
  readonly body: T;
}

/** The API as the views use it. */
export interface ApiClient {
  /** Any call; resolves with status and body for 2xx and `accept`ed statuses, rejects with {@link ApiError} otherwise. */
  call<T>(method: 'GET' | 'POST', path: string, options?: CallOptions): Promise<Answer<T>>;
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
}

/** What {@link createApiClient} needs. */
export interface ApiClientOptions {
  /** The API's base path on this origin (`''` at the root; `/spl` when the daemon's app is mounted there). */
  readonly base: string;
  /** The signed-in bearer, or null. */
  readonly bearer: () => string | null;
  /** Told of every 401, after which the console signs out. */
  readonly onUnauthorized: (e: ApiError) => void;
  /** Injectable for tests; default: the browser's `fetch`. */
  readonly fetch?: typeof fetch;
}

/**
 * Where the API is, from the page's own path: the console lives at `<base>/ui/`, so a daemon app
 * mounted under a prefix is reached under the same prefix.
 */
export function apiBase(pathname: string): string {
  const at = pathname.lastIndexOf('/ui/');
  return at <= 0 ? '' : pathname.slice(0, at);
}

/** Builds the client. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const call = async <T>(method: 'GET' | 'POST', path: string, callOptions: CallOptions = {}): Promise<Answer<T>> => {
    const headers: Record<string, string> = { accept: 'application/json' };
    const bearer = options.bearer();
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (callOptions.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await doFetch(`${options.base}${path}${queryString(callOptions.query)}`, {
        method,
        headers,
        ...(callOptions.body === undefined ? {} : { body: JSON.stringify(callOptions.body) }),
        // The bearer travels in the header only; no cookies exist, and none are sent.
        credentials: 'omit',
        cache: 'no-store',
        referrerPolicy: 'no-referrer',
      });
    } catch (e) {
      throw new ApiError(0, 'UNREACHABLE', `the daemon did not answer (${(e as Error).message})`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (res.ok || callOptions.accept?.includes(res.status)) {
      if (body === undefined) throw new ApiError(res.status, 'NOT_JSON', `expected JSON from ${method} ${path}, got ${text.slice(0, 80)}`);
      return { status: res.status, body: body as T };
    }
    const envelope = (body as { error?: { code?: unknown; message?: unknown; field?: unknown } } | undefined)?.error;
    const error = new ApiError(
      res.status,
      typeof envelope?.code === 'string' ? envelope.code : `HTTP_${res.status}`,
      typeof envelope?.message === 'string' ? envelope.message : `${method} ${path} answered ${res.status}`,
      typeof envelope?.field === 'string' ? envelope.field : undefined,
    );
    if (res.status === 401) options.onUnauthorized(error);
    throw error;
  };
  return {
    call,
    get: async (path, query) => (await call<never>('GET', path, query === undefined ? {} : { query })).body,
    post: async (path, body) => (await call<never>('POST', path, { body })).body,
  };
}

/** `?a=1&b=x` from the defined parameters, or `''`. */
function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}
