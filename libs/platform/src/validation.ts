import { applyDecorators, PipeTransform } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
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

/** A comma-separated query value, each item an `item` (items trimmed, empty ones dropped: `a,,b,` is `[a, b]`). */
export const csvList = <T>(item: z.ZodType<T, string>) =>
  z
    .string()
    .max(1000)
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));

/** A comma-separated query value whose items are `values` ("any of"). */
export const csvOf = <T extends string>(values: readonly T[]) => csvList(z.enum(values as unknown as [T, ...T[]]));

/**
 * Documents a route's query parameters from the zod schema its ZodPipe validates them with: each property's name,
 * whether it is required and its JSON schema as a client sends it (types, enums, lengths, ranges, defaults), so the
 * OpenAPI document says what the pipe enforces. `descriptions` adds words where a rule alone does not explain a value
 * (comma lists, `me`).
 */
export function ApiZodQuery(schema: z.ZodObject, descriptions: Record<string, string> = {}): MethodDecorator {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  return applyDecorators(
    ...Object.entries(json.properties ?? {}).map(([name, property]) =>
      ApiQuery({
        name,
        required: json.required?.includes(name) ?? false,
        schema: property,
        ...(descriptions[name] ? { description: descriptions[name] } : {}),
      }),
    ),
  );
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
