import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '@outpost/platform';
import { DigestService } from './digest.service';

@ApiTags('deliveries')
@ApiBearerAuth('internal')
@Controller('v1/digest')
export class DigestController {
  constructor(private readonly digest: DigestService) {}

  /** Builds today's digests now (normally the scheduler does it at DIGEST_AT). */
  @Post('run')
  @HttpCode(200)
  @Roles('OPERATOR', 'ADMIN')
  run() {
    return this.digest.run();
  }
}
