/** The slice of a pino-style logger this library needs; pino, nestjs-pino's PinoLogger adapters and console fit. */
export interface LoggerLike {
  info(o: object | string, msg?: string): void;
  warn(o: object | string, msg?: string): void;
  error(o: object | string, msg?: string): void;
  debug?(o: object | string, msg?: string): void;
}

/** Discards everything: the default when the caller passes no logger. */
export const SILENT_LOGGER: LoggerLike = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

/** Normalises anything thrown into something a structured logger can print. */
export function errorFields(err: unknown): { err: { message: string; name?: string; code?: string; stack?: string } } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return {
      err: {
        message: err.message,
        name: err.name,
        code: typeof code === 'string' ? code : undefined,
        stack: err.stack,
      },
    };
  }
  return { err: { message: String(err) } };
}
