import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { SourceAuth } from '../sources/source-auth.guard';
import { ScreeningService } from './screening.service';

@ApiTags('screening 风险筛查')
@Controller('v1/indicators')
export class IndicatorsController {
  constructor(private readonly screening: ScreeningService) {}

  @Get()
  @SourceAuth({ gatewayUsers: true })
  @ApiOperation({ summary: '当前启用的风险指标目录及版本 (the active indicator catalogue)' })
  @ApiResponse({
    status: 200,
    schema: {
      example: {
        version: '2026.11-1',
        bands: { orangeScore: 30, yellowScore: 0 },
        indicators: [
          {
            id: 'B1',
            group: 'B',
            label: { zh: '承诺保本保息', en: 'Guarantee of principal or interest' },
            anchor: 'Ind',
            weight: 15,
            kind: 'TERM',
            terms: ['保本保息', '稳赚不赔'],
          },
        ],
      },
    },
  })
  list() {
    const c = this.screening.catalog;
    return {
      version: c.version,
      bands: c.bands,
      fundFlowWindowDays: c.fundFlow.windowDays,
      indicators: c.indicators.map((d) => ({
        id: d.id,
        group: d.group,
        label: d.label,
        anchor: d.anchor,
        anchors: d.anchors ?? (d.anchor ? [d.anchor] : []),
        weight: d.weight,
        critical: d.critical ?? false,
        kind: d.kind,
        terms: d.terms ?? [],
        sourceRef: d.sourceRef,
      })),
    };
  }
}
