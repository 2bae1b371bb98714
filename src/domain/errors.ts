/**
 * The one error type of the service. Every failure that reaches a caller is a KiboError whose
 * `code` decides the HTTP status through the single table below.
 */
export const errorStatus = {
  MISSING_OR_INVALID_PARAMETER: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  TOKEN_EXPIRED: 401,
  PASSWORD_CHANGE_REQUIRED: 401,
  INVALID_CODE: 401,
  FORBIDDEN: 403,
  ITEM_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  VALIDATION_CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  ACCOUNT_LOCKED: 423,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export interface ErrorData {
  name: string;
  value: string;
}

export class KiboError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly data: ErrorData[];
  /** Seconds a client should wait, sent as Retry-After (TOO_MANY_REQUESTS). */
  readonly retryAfter?: number;

  constructor(
    code: ErrorCode,
    message?: string,
    data: Record<string, string | number | boolean> = {},
    retryAfter?: number,
  ) {
    super(message ?? defaultMessage(code));
    this.name = 'KiboError';
    this.code = code;
    this.status = errorStatus[code];
    this.data = Object.entries(data).map(([name, value]) => ({ name, value: String(value) }));
    this.retryAfter = retryAfter;
  }
}

/** Throws a KiboError with `code` unless `condition` holds (Logto's assertThat). */
export function assertThat(
  condition: unknown,
  code: ErrorCode,
  message?: string,
  data?: Record<string, string | number | boolean>,
): asserts condition {
  if (!condition) throw new KiboError(code, message, data);
}

function defaultMessage(code: ErrorCode): string {
  switch (code) {
    case 'MISSING_OR_INVALID_PARAMETER':
      return 'Missing or invalid parameter';
    case 'UNAUTHORIZED':
      return 'Unauthorized';
    case 'INVALID_CREDENTIALS':
      return 'Invalid credentials';
    case 'TOKEN_EXPIRED':
      return 'The token has expired';
    case 'PASSWORD_CHANGE_REQUIRED':
      return 'The password must be changed before logging in';
    case 'INVALID_CODE':
      return 'The code is invalid or has expired';
    case 'FORBIDDEN':
      return 'The application is not allowed to do this';
    case 'ITEM_NOT_FOUND':
      return 'Item not found';
    case 'METHOD_NOT_ALLOWED':
      return 'Method not allowed';
    case 'VALIDATION_CONFLICT':
      return 'The item already exists';
    case 'PAYLOAD_TOO_LARGE':
      return 'The request body is too large';
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 'Unsupported content type';
    case 'ACCOUNT_LOCKED':
      return 'The account is locked';
    case 'TOO_MANY_REQUESTS':
      return 'Too many requests';
    case 'INTERNAL_ERROR':
      return 'Internal error';
    case 'SERVICE_UNAVAILABLE':
      return 'Service unavailable';
  }
}

/** The Kibo wire shape of an error. */
export interface KiboErrorBody {
  message: string;
  errorCode: ErrorCode;
  applicationName: 'Customer';
  additionalErrorData: ErrorData[];
  items: unknown[];
}

export function toKiboBody(err: KiboError): KiboErrorBody {
  return {
    message: err.message,
    errorCode: err.code,
    applicationName: 'Customer',
    additionalErrorData: err.data,
    items: [],
  };
}
