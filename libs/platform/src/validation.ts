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
