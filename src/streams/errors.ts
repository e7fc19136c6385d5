// Errors of the metric streams: what the management API answers (Auth0's error body), and why the
// stream store could not open. Metric errors stay in src/registry/errors.ts.

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
};

/** A management API request that cannot be served; `body()` is Auth0's error body for it, `headers` go with it. */
export class StreamApiError extends Error {
  constructor(
    readonly statusCode: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429,
    message: string,
    readonly errorCode: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** `{statusCode, error, message, errorCode}`, as Auth0's Management API answers errors. */
  body(): { statusCode: number; error: string; message: string; errorCode: string } {
    return { statusCode: this.statusCode, error: REASONS[this.statusCode] ?? 'Error', message: this.message, errorCode: this.errorCode };
  }
}

/** A request body that breaks the resource's schema: 400 `invalid_body`, Auth0's wording. */
export function invalidBody(reason: string, property?: string): StreamApiError {
  const where = property === undefined || property === '' ? '' : ` on property ${property}`;
  return new StreamApiError(400, `Payload validation error: '${reason}'${where}.`, 'invalid_body');
}

/** A query string that breaks the endpoint's rules: 400 `invalid_query_string`. */
export function invalidQuery(reason: string, parameter: string): StreamApiError {
  return new StreamApiError(400, `Query validation error: '${reason}' on property ${parameter}.`, 'invalid_query_string');
}

/**
 * The stream store cannot be used: a file that is not a SQLite database or fails its integrity
 * check, another application's database, a file another process holds, a schema from a newer
 * version, or SQLite itself missing (`missingPackage`). The file is never reset.
 */
export class StreamStoreError extends Error {
  constructor(
    readonly file: string,
    /** What is wrong, without the file's name: the message says both. */
    readonly reason: string,
    /**
     * The package to install (or rebuild) when the store cannot open any file at all because it is
     * absent or its native addon does not load: `better-sqlite3`, an optional dependency. Undefined
     * when the trouble is this file.
     */
    readonly missingPackage: string | undefined = undefined,
  ) {
    super(`stream store ${JSON.stringify(file)}: ${reason}`);
    this.name = new.target.name;
  }
}
