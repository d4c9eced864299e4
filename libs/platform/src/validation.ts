import { PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { ProblemException, zodFieldErrors } from './problem';

/** Validates a body/query/param with a zod schema; failures become 400 problem+json listing every field path. */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(
    private readonly schema: S,
    private readonly where: 'body' | 'query' | 'params' = 'body',
  ) {}

  transform(value: unknown): z.infer<S> {
    const result = this.schema.safeParse(value);
    if (!result.success) {
      throw new ProblemException(
        400,
        'VALIDATION_FAILED',
        `The request ${this.where} has invalid fields.`,
        zodFieldErrors(result.error),
      );
    }
    return result.data;
  }
}

/**
 * Paths (`a.b[2].c`) of the strings, and object keys, in a parsed JSON body that contain U+0000: JSON allows it,
 * PostgreSQL text and jsonb cannot store it, so such a body is refused up front rather than failing mid-write.
 */
export function nulCharacterPaths(value: unknown, path = '', out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) out.push(path || '(body)');
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => nulCharacterPaths(v, `${path}[${i}]`, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = path ? `${path}.${k}` : k;
      if (k.includes('\u0000')) out.push(p);
      nulCharacterPaths(v, p, out);
    }
  }
  return out;
}
