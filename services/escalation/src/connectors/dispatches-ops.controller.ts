import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles, ZodPipe } from '@outpost/platform';
import { z } from 'zod';
import { DispatchService } from './dispatch.service';

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

/** The operator console's view of the connector: what external systems have not accepted yet. */
@ApiTags('ops')
@ApiBearerAuth('internal')
@Roles('OPERATOR', 'ADMIN')
@Controller('v1/ops/dispatches')
export class DispatchesOpsController {
  constructor(private readonly dispatches: DispatchService) {}

  @Get()
  @ApiOperation({
    summary: '对外报送积压：reports, referrals and hand-overs not yet accepted, oldest first (no body)',
  })
  async pending(@Query(new ZodPipe(listQuery, 'query')) q: z.infer<typeof listQuery>) {
    return { items: await this.dispatches.undelivered(q.limit) };
  }
}
