// The explorer speaks only the public GraphQL API at /graphql, as any
// frontend would: this file is the one place it sends requests.

/** An error the service answered, with the code a program can branch on. */
export class ApiError extends Error {
  constructor(message: string, readonly code: string, readonly field?: string) {
    super(message);
  }
}

/** How often a request refused by the service's rate limit is sent
 * again, each time after the wait the service's Retry-After asks. */
const rateLimitRetries = 20;

/** The wait a 429's Retry-After asks for, in seconds (RFC 9110: a number
 * of seconds or a date), at least 1 and at most a minute. */
function retryAfter(header: string | null): number {
  const seconds = Number(header);
  const wait = Number.isFinite(seconds) && header !== null && header.trim() !== "" ? seconds : (Date.parse(header ?? "") - Date.now()) / 1000;
  return Math.min(60, Math.max(1, Math.ceil(Number.isFinite(wait) ? wait : 1)));
}

export class Api {
  /** How many times a request waited for the rate limit (the tests read it). */
  waited = 0;
  /** Told how long each wait for the rate limit lasts, in seconds, and
   * when a request that waited went through. */
  onWait: (seconds: number) => void = () => {};
  onWaited: () => void = () => {};

  constructor(private token: string) {}

  setToken(token: string) {
    this.token = token;
  }

  hasToken(): boolean {
    return this.token !== "";
  }

  /** Sends one operation; the first GraphQL error, if any, is thrown.
   * Once signal aborts, the request is abandoned (the service stops
   * working on it) and the call throws signal's reason. */
  async query<T>(query: string, variables: Record<string, unknown> = {}, signal?: AbortSignal): Promise<T> {
    return this.send<T>(JSON.stringify({ query, variables }), { "Content-Type": "application/json" }, signal);
  }

  /** Sends a multipart request (the GraphQL multipart request spec). */
  async upload<T>(body: FormData): Promise<T> {
    // The service asks uploads for this header, which a cross-site form
    // cannot send.
    return this.send<T>(body, { "GraphQL-Require-Preflight": "1" });
  }

  private async send<T>(payload: string | FormData, headers: Record<string, string>, signal?: AbortSignal): Promise<T> {
    let res: Response;
    for (let attempt = 0; ; attempt++) {
      try {
        res = await this.post(payload, headers, signal);
      } catch (e) {
        // However the browser reports an aborted request, the caller hears signal's reason.
        if (signal?.aborted) throw signal.reason;
        throw e;
      }
      // A large map is read in many pages, faster than the service's
      // per-token rate limit may allow: a refused request (429, which the
      // service answers before running anything, so a mutation too is
      // safe to send again) waits as long as the service asks.
      if (res.status !== 429 || attempt === rateLimitRetries) {
        if (attempt > 0) this.onWaited();
        break;
      }
      const seconds = retryAfter(res.headers.get("Retry-After"));
      this.waited++;
      this.onWait(seconds);
      try {
        await sleep(seconds * 1000, signal);
      } catch (e) {
        this.onWaited(); // abandoned: the status line is no longer waiting
        throw e;
      }
    }
    let body: { data?: T; errors?: { message: string; extensions?: { code?: string; field?: string } }[] };
    try {
      body = await res.json();
    } catch {
      if (signal?.aborted) throw signal.reason;
      throw new ApiError(`The service answered ${res.status} without a GraphQL body.`, "HTTP_" + res.status);
    }
    if (body.errors?.length) {
      const e = body.errors[0];
      throw new ApiError(e.message, e.extensions?.code ?? "UNKNOWN", e.extensions?.field);
    }
    if (!body.data) throw new ApiError("The service answered no data.", "NO_DATA");
    return body.data;
  }

  private post(payload: string | FormData, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    return fetch(new URL("graphql", document.baseURI), {
      method: "POST",
      headers: {
        ...headers,
        Accept: "application/graphql-response+json, application/json",
        ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}),
      },
      body: payload,
      signal,
    });
  }

  /** Reads every page of a connection, pageSize at a time. */
  async all<N>(
    query: string,
    variables: Record<string, unknown>,
    page: (data: any) => { edges: { node: N }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } },
    going: () => boolean = () => true,
    signal?: AbortSignal,
    pageSize = 500,
  ): Promise<N[]> {
    const out: N[] = [];
    let after: string | null = null;
    // A reader that no longer wants the list stops asking for pages.
    while (going()) {
      const data = await this.query<unknown>(query, { ...variables, first: pageSize, after }, signal);
      const conn = page(data);
      for (const e of conn.edges) out.push(e.node);
      if (!conn.pageInfo.hasNextPage || !conn.pageInfo.endCursor) return out;
      after = conn.pageInfo.endCursor;
    }
    return out;
  }
}

/** Waits ms milliseconds, or throws signal's reason once it aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((done, fail) => {
    if (signal?.aborted) return fail(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      done();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      fail(signal!.reason);
    };
    signal?.addEventListener("abort", abort, { once: true });
  });
}
