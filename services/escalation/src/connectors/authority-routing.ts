import type { Category } from '@outpost/contracts';
import type { ExternalSystem } from '../config/escalation.config';

/** Which authority takes a hand-over, by primary category (DOMAIN.md §4 "Lead authority (typical)"). */
export interface AuthorityRoute {
  /** The connector endpoint (EXTERNAL_SYSTEMS) that reaches it. */
  system: ExternalSystem;
  /** The agency named on the hand-over. */
  agency: string;
}

export const AUTHORITY_BY_CATEGORY: Record<Category, AuthorityRoute> = {
  IF: { system: 'FINANCIAL_REGULATOR', agency: '金融管理部门（会同处置非法集资牵头部门）' },
  'IF-XS': { system: 'POLICE', agency: '公安机关（经侦）' },
  'IF-ZP': { system: 'POLICE', agency: '公安机关（经侦）' },
  'IF-FX': { system: 'FINANCIAL_REGULATOR', agency: '中国证监会派出机构' },
  'IF-SM': { system: 'FINANCIAL_REGULATOR', agency: '中国证监会派出机构' },
  'IF-YL': { system: 'FINANCIAL_REGULATOR', agency: '金融管理部门（会同民政部门）' },
  'IF-AD': { system: 'MARKET_REGULATION', agency: '市场监督管理部门' },
  FD: { system: 'FINANCIAL_REGULATOR', agency: '地方金融管理部门' },
  ZF: { system: 'FINANCIAL_REGULATOR', agency: '中国人民银行分支机构' },
  ZQ: { system: 'FINANCIAL_REGULATOR', agency: '中国证监会派出机构' },
  QH: { system: 'FINANCIAL_REGULATOR', agency: '中国证监会派出机构' },
  WH: { system: 'FINANCIAL_REGULATOR', agency: '国家外汇管理局分支机构' },
  HJ: { system: 'FINANCIAL_REGULATOR', agency: '中国人民银行分支机构' },
  XN: { system: 'FINANCIAL_REGULATOR', agency: '中国人民银行分支机构（会同网信、公安）' },
  BX: { system: 'FINANCIAL_REGULATOR', agency: '国家金融监督管理总局派出机构' },
  CX: { system: 'MARKET_REGULATION', agency: '市场监督管理部门' },
  ZJ: { system: 'FINANCIAL_REGULATOR', agency: '地方金融管理部门' },
  DZ: { system: 'POLICE', agency: '公安机关（反诈中心）' },
  OT: { system: 'FINANCIAL_REGULATOR', agency: '金融管理部门（按指定）' },
};

export const REGISTRATION_PLACE_AUTHORITY: AuthorityRoute = {
  system: 'LEAD_DEPARTMENT',
  agency: '登记地处置非法集资牵头部门',
};

/**
 * Jurisdiction by registered address (Reg. Art. 20): a unit is handled where it is registered. Unknown address →
 * this district leads (the case can be re-routed once the address is known). Matching is on the district name or code.
 */
export function jurisdictionOf(
  registeredAddress: string | null,
  district: { code: string; name: string },
): 'LEAD' | 'ASSISTING' {
  if (!registeredAddress || !registeredAddress.trim()) return 'LEAD';
  const short = district.name.replace(/区$/, '');
  return registeredAddress.includes(district.name) ||
    registeredAddress.includes(district.code) ||
    registeredAddress.includes(`${short}区`)
    ? 'LEAD'
    : 'ASSISTING';
}
