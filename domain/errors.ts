/**
 * Typed business errors. The API maps them to its one error shape; activities turn them into
 * non-retryable ApplicationFailures.
 */
export class DomainError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, field?: string, details?: Record<string, unknown>) {
    super(400, 'Bad Request', message, field ? { field, ...details } : details);
  }
}

export class NotFoundError extends DomainError {
  constructor(message = '未找到 (not found)') {
    super(404, 'Not Found', message);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(409, 'Conflict', message, details);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = '无权执行此操作 (forbidden)') {
    super(403, 'Forbidden', message);
  }
}
