import { Body, Controller, HttpCode, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, ProblemException, ZodPipe, type Principal } from '@outpost/platform';
import { z } from 'zod';
import { ContactRepository } from '../contacts/contact.repository';

const schema = z.object({ locale: z.enum(['zh-CN', 'en']) });

/** The caller's own notification language (Simplified Chinese by default). */
@ApiTags('inbox')
@ApiBearerAuth('internal')
@Controller('v1/preferences')
export class PreferencesController {
  constructor(private readonly contacts: ContactRepository) {}

  @Put()
  @HttpCode(200)
  async set(@Body(new ZodPipe(schema)) body: z.infer<typeof schema>, @CurrentPrincipal() p: Principal) {
    if (!(await this.contacts.setLocale(p.userId, body.locale)))
      throw new ProblemException(404, 'NOT_ON_ROSTER', '花名册中没有该人员，无法设置通知偏好');
    return { personId: p.userId, locale: body.locale };
  }
}
