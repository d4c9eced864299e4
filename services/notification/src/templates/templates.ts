import type { DeliveryChannel } from '../rules/rule.types';
import type { AssignmentReason } from '@outpost/contracts';
import {
  bandLabel,
  channelLabel,
  decisionLabel,
  localTime,
  outcomeLabel,
  redactSensitive,
  statusLabel,
  systemLabel,
  type Locale,
} from './template-text';

export interface TemplateContext {
  eventType: string;
  /** The lead's public reference (TH-…); the lead id when neither the registration nor the event carried it. */
  reference: string;
  occurredAt: string;
  payload: Record<string, unknown>;
}

interface Message {
  title: string;
  body: string;
}
type Template = (c: TemplateContext, l: Locale) => Message;

const p = (c: TemplateContext, k: string): unknown => c.payload[k];
const en = (l: Locale) => l === 'en';

/**
 * One template per event type, Simplified Chinese first, English by the person's preference. Only structured fields
 * (reference, status, band, deadlines, decision codes) are used: never descriptions, reasoning, reporter identity or
 * bank-sensitive fields.
 */
const TEMPLATES: Record<string, Template> = {
  'intake.lead-registered.v1': (c, l) =>
    en(l)
      ? { title: `Lead ${c.reference} received`, body: `Lead ${c.reference} was registered.` }
      : { title: `线索 ${c.reference} 已受理`, body: `线索 ${c.reference} 已登记受理。` },
  'intake.lead-linked.v1': (c, l) =>
    en(l)
      ? {
          title: `New report linked to ${c.reference}`,
          body: `A further report was linked to lead ${c.reference} (${String(p(c, 'reportCount'))} reports in total).`,
        }
      : {
          title: `线索 ${c.reference} 有新的反映`,
          body: `又一条反映已并入线索 ${c.reference}（累计 ${String(p(c, 'reportCount'))} 次）。`,
        },
  'intake.evidence-added.v1': (c, l) =>
    en(l)
      ? { title: `New evidence on ${c.reference}`, body: `New evidence was added to lead ${c.reference}.` }
      : { title: `线索 ${c.reference} 新增证据`, body: `线索 ${c.reference} 新增了一份证据材料。` },
  'assessment.lead-triaged.v1': (c, l) =>
    en(l)
      ? {
          title: `Lead ${c.reference} rated ${bandLabel(p(c, 'band'), l)}`,
          body: `Lead ${c.reference} was triaged: band ${bandLabel(p(c, 'band'), l)}, score ${String(p(c, 'score'))}.`,
        }
      : {
          title: `线索 ${c.reference} 研判为${bandLabel(p(c, 'band'), l)}`,
          body: `线索 ${c.reference} 已完成研判：${bandLabel(p(c, 'band'), l)}，评分 ${String(p(c, 'score'))}。请及时关注。`,
        },
  'assessment.lead-assigned.v1': (c, l) => assigned(c, l),
  'assessment.verification-requested.v1': (c, l) =>
    en(l)
      ? {
          title: `Verification requested on ${c.reference}`,
          body: `Please answer a verification request on lead ${c.reference} by ${localTime(p(c, 'dueAt') as string)}.`,
        }
      : {
          title: `线索 ${c.reference} 请您协助核实`,
          body: `线索 ${c.reference} 有一项核实请求，请于 ${localTime(p(c, 'dueAt') as string)} 前答复。`,
        },
  'assessment.verification-answered.v1': (c, l) =>
    en(l)
      ? {
          title: `Verification answered on ${c.reference}`,
          body: `A verification request on lead ${c.reference} was answered.`,
        }
      : { title: `线索 ${c.reference} 核实已答复`, body: `线索 ${c.reference} 的核实请求已答复。` },
  'assessment.opinion-submitted.v1': (c, l) =>
    en(l)
      ? {
          title: `Opinion submitted on ${c.reference}`,
          body: `An opinion (${decisionLabel(p(c, 'recommendation'), l)}) awaits decision on lead ${c.reference}.`,
        }
      : {
          title: `线索 ${c.reference} 已提交专业意见`,
          body: `线索 ${c.reference} 已提交专业意见（${decisionLabel(p(c, 'recommendation'), l)}），待认定。`,
        },
  'assessment.lead-decided.v1': (c, l) =>
    en(l)
      ? {
          title: `Lead ${c.reference} decided`,
          body: `Decision on lead ${c.reference}: ${decisionLabel(p(c, 'decision'), l)}.`,
        }
      : {
          title: `线索 ${c.reference} 已认定`,
          body: `线索 ${c.reference} 认定结果：${decisionLabel(p(c, 'decision'), l)}。`,
        },
  'assessment.lead-transitioned.v1': (c, l) =>
    en(l)
      ? {
          title: `Lead ${c.reference}: ${statusLabel(p(c, 'status'), l)}`,
          body: `Lead ${c.reference} is now ${statusLabel(p(c, 'status'), l)}.`,
        }
      : {
          title: `线索 ${c.reference} 状态更新`,
          body: `线索 ${c.reference} 当前状态：${statusLabel(p(c, 'status'), l)}。`,
        },
  'assessment.deadline-reminder.v1': (c, l) =>
    en(l)
      ? {
          title: `Deadline approaching on ${c.reference}`,
          body: `Lead ${c.reference} is due ${localTime(p(c, 'dueAt') as string)}.`,
        }
      : {
          title: `线索 ${c.reference} 即将到期`,
          body: `线索 ${c.reference} 办理期限为 ${localTime(p(c, 'dueAt') as string)}，请抓紧办理。`,
        },
  'assessment.deadline-breached.v1': (c, l) => breach(c, l),
  'escalation.deadline-breached.v1': (c, l) => breach(c, l),
  'assessment.lead-alerted.v1': (c, l) =>
    en(l)
      ? {
          title: `ALERT: lead ${c.reference} (${bandLabel(p(c, 'band'), l)})`,
          body: `Lead ${c.reference} needs immediate attention: band ${bandLabel(p(c, 'band'), l)}, score ${String(p(c, 'score'))}.`,
        }
      : {
          title: `【预警】线索 ${c.reference}（${bandLabel(p(c, 'band'), l)}）`,
          body: `线索 ${c.reference} 为${bandLabel(p(c, 'band'), l)}风险，评分 ${String(p(c, 'score'))}，请立即关注并督办。`,
        },
  'escalation.case-opened.v1': (c, l) =>
    en(l)
      ? {
          title: `Disposal opened for ${c.reference}`,
          body: `Case ${String(p(c, 'caseNo'))} was opened for lead ${c.reference} (${decisionLabel(p(c, 'path'), l)}).`,
        }
      : {
          title: `线索 ${c.reference} 进入处置`,
          body: `线索 ${c.reference} 已立处置案件 ${String(p(c, 'caseNo'))}（${decisionLabel(p(c, 'path'), l)}）。`,
        },
  'escalation.case-state-changed.v1': (c, l) => {
    const caseNo = String(p(c, 'caseNo'));
    if (p(c, 'action') === 'assign-handler')
      return en(l)
        ? {
            title: `You now handle case ${caseNo}`,
            body: `You were made the handler of case ${caseNo} (lead ${c.reference}).`,
          }
        : {
            title: `您已被指定为案件 ${caseNo} 的承办人`,
            body: `案件 ${caseNo}（线索 ${c.reference}）已转由您承办，请及时办理。`,
          };
    if (p(c, 'approvalRequested') === true && p(c, 'action') === 'request-measure')
      return en(l)
        ? {
            title: `A measure in case ${caseNo} awaits approval`,
            body: `A measure was requested in case ${caseNo} (lead ${c.reference}) and awaits a head's approval.`,
          }
        : {
            title: `案件 ${caseNo} 申请采取措施，待审批`,
            body: `案件 ${caseNo}（线索 ${c.reference}）申请采取调查/强制措施，请负责人审批。`,
          };
    if (p(c, 'to') === 'REFERRAL_PENDING_APPROVAL')
      return en(l)
        ? {
            title: `Referral of case ${caseNo} awaits approval`,
            body: `The referral of case ${caseNo} (lead ${c.reference}) to the police awaits a head's approval.`,
          }
        : {
            title: `案件 ${caseNo} 移送公安待审批`,
            body: `案件 ${caseNo}（线索 ${c.reference}）拟移送公安机关，请负责人审批。`,
          };
    return en(l)
      ? { title: `Case ${caseNo} updated`, body: `Case ${caseNo} (lead ${c.reference}) has a new step.` }
      : { title: `案件 ${caseNo} 有新进展`, body: `案件 ${caseNo}（线索 ${c.reference}）有新的办理步骤。` };
  },
  'escalation.action-recorded.v1': (c, l) =>
    en(l)
      ? { title: `Action recorded on ${c.reference}`, body: `A disposal action was recorded on lead ${c.reference}.` }
      : { title: `线索 ${c.reference} 新增处置措施`, body: `线索 ${c.reference} 已记录一项处置措施。` },
  'escalation.reported-upstream.v1': (c, l) =>
    en(l)
      ? {
          title: `Lead ${c.reference} reported upstream`,
          body: `Lead ${c.reference} was reported to ${systemLabel(p(c, 'system'), l)}.`,
        }
      : { title: `线索 ${c.reference} 已上报`, body: `线索 ${c.reference} 已报送${systemLabel(p(c, 'system'), l)}。` },
  'escalation.upstream-acknowledged.v1': (c, l) =>
    en(l)
      ? {
          title: `Report on ${c.reference} acknowledged`,
          body: `${systemLabel(p(c, 'system'), l)} acknowledged the report on lead ${c.reference}.`,
        }
      : {
          title: `线索 ${c.reference} 上报已签收`,
          body: `${systemLabel(p(c, 'system'), l)}已签收线索 ${c.reference} 的报送。`,
        },
  'escalation.lead-closed.v1': (c, l) =>
    en(l)
      ? {
          title: `Lead ${c.reference} closed`,
          body: `Lead ${c.reference} was closed. Outcome: ${outcomeLabel(p(c, 'outcome'), l)}.`,
        }
      : {
          title: `线索 ${c.reference} 已办结`,
          body: `线索 ${c.reference} 已办结，处理结果：${outcomeLabel(p(c, 'outcome'), l)}。`,
        },
  'escalation.lead-reopened.v1': (c, l) =>
    en(l)
      ? { title: `Lead ${c.reference} reopened`, body: `Lead ${c.reference} was reopened.` }
      : { title: `线索 ${c.reference} 已重新打开`, body: `线索 ${c.reference} 已重新打开，请继续跟进。` },
  'notification.delivery-failed.v1': (c, l) =>
    en(l)
      ? {
          title: `Notification delivery failed (${channelLabel(p(c, 'channel'), l)})`,
          body: `Delivery ${String(p(c, 'deliveryId'))} failed after ${String(p(c, 'attempts'))} attempts and can be replayed.`,
        }
      : {
          title: `通知投递失败（${channelLabel(p(c, 'channel'), l)}）`,
          body: `投递 ${String(p(c, 'deliveryId'))} 重试 ${String(p(c, 'attempts'))} 次后失败，可在运维接口重放。`,
        },
};

/**
 * lead-assigned says why the holder changed (ASSIGNMENT_REASONS); the seeded rules announce routings, reassignments and
 * releases to the street pool, and each reads as what happened: a claim or a returned opinion is no new assignment.
 */
function assigned(c: TemplateContext, l: Locale): Message {
  const due = localTime(p(c, 'dueAt') as string | null);
  const dueEn = due ? ` Due ${due}.` : '';
  const dueZh = due ? `办理期限：${due}。` : '';
  const ref = c.reference;
  const pooled = p(c, 'assigneeId') === null; // in a pool: nobody holds it
  switch (p(c, 'reason') as AssignmentReason | undefined) {
    case 'CLAIMED':
      return en(l)
        ? { title: `Lead ${ref} claimed`, body: `Lead ${ref} was claimed and is in review.${dueEn}` }
        : { title: `线索 ${ref} 已认领`, body: `线索 ${ref} 已被认领，进入核查。${dueZh}` };
    case 'RELEASED':
      return en(l)
        ? { title: `Lead ${ref} back in the queue`, body: `Lead ${ref} was released and waits to be claimed.${dueEn}` }
        : { title: `线索 ${ref} 退回队列待认领`, body: `线索 ${ref} 已退回队列，请及时安排认领。${dueZh}` };
    case 'RETURNED':
      return en(l)
        ? {
            title: `Opinion on ${ref} returned`,
            body: `The opinion on lead ${ref} was returned for more work.${dueEn}`,
          }
        : { title: `线索 ${ref} 退回补充`, body: `线索 ${ref} 的专业意见已退回，请补充研判。${dueZh}` };
    case 'REASSIGNED':
      return en(l)
        ? { title: `Lead ${ref} reassigned`, body: `Lead ${ref} was reassigned; please review it in time.${dueEn}` }
        : { title: `线索 ${ref} 已改派`, body: `线索 ${ref} 已改派，请及时核查处理。${dueZh}` };
    case 'REOPENED':
      if (!pooled)
        return en(l)
          ? { title: `Reopened lead ${ref} assigned`, body: `Lead ${ref} was reopened and assigned.${dueEn}` }
          : { title: `线索 ${ref} 重新打开并已分派`, body: `线索 ${ref} 已重新打开并分派，请及时核查处理。${dueZh}` };
      break;
    case 'ROUTED':
    case undefined:
      break;
  }
  if (pooled)
    return en(l)
      ? {
          title: `Lead ${ref} waits to be claimed`,
          body: `Lead ${ref} is in the queue and waits to be claimed.${dueEn}`,
        }
      : { title: `线索 ${ref} 进入队列待认领`, body: `线索 ${ref} 已进入队列，请及时安排认领。${dueZh}` };
  return en(l)
    ? { title: `Lead ${ref} assigned to you`, body: `Lead ${ref} has been assigned.${dueEn}` }
    : { title: `新线索 ${ref} 已分派`, body: `线索 ${ref} 已分派，请及时核查处理。${dueZh}` };
}

function breach(c: TemplateContext, l: Locale): Message {
  const step = Number(p(c, 'step') ?? 0);
  return en(l)
    ? {
        title: `OVERDUE: lead ${c.reference}`,
        body: `Lead ${c.reference} passed its deadline (${localTime(p(c, 'dueAt') as string)}); escalation step ${step}.`,
      }
    : {
        title: `【超期】线索 ${c.reference}`,
        body: `线索 ${c.reference} 已超过办理期限（${localTime(p(c, 'dueAt') as string)}），督办层级 ${step}，请立即处理。`,
      };
}

const fallback: Template = (c, l) =>
  en(l)
    ? { title: `Update on lead ${c.reference}`, body: `Lead ${c.reference} has an update.` }
    : { title: `线索 ${c.reference} 有新动态`, body: `线索 ${c.reference} 有新的动态，请登录查看。` };

export interface RenderedMessage {
  subject: string | null;
  body: string;
}

/** Renders one event for one person-facing channel (webhooks carry JSON, see webhook-payload.ts). */
export function renderMessage(
  channel: Exclude<DeliveryChannel, 'WEBHOOK'>,
  ctx: TemplateContext,
  locale: Locale,
): RenderedMessage {
  const m = (TEMPLATES[ctx.eventType] ?? fallback)(ctx, locale);
  const when = localTime(ctx.occurredAt);
  switch (channel) {
    case 'INBOX':
      return { subject: redactSensitive(m.title), body: redactSensitive(m.body) };
    case 'SMS':
      return { subject: null, body: redactSensitive(en(locale) ? `[Outpost] ${m.body}` : `【前哨】${m.body}`) };
    case 'EMAIL': {
      const body = en(locale)
        ? `${m.body}\n\nLead reference: ${ctx.reference}\nTime: ${when} (Beijing time)\n\nPlease sign in to Outpost for details. This message was sent automatically; do not reply.`
        : `${m.body}\n\n线索编号：${ctx.reference}\n时间：${when}（北京时间）\n\n详情请登录前哨平台查看。本邮件由系统自动发送，请勿回复。`;
      return {
        subject: redactSensitive(en(locale) ? `[Outpost] ${m.title}` : `【前哨】${m.title}`),
        body: redactSensitive(body),
      };
    }
  }
}

/** The daily digest e-mail: one line per held item, oldest first. */
export function renderDigest(
  items: Array<{ subject: string | null; body: string; createdAt: Date }>,
  date: string,
  locale: Locale,
): RenderedMessage {
  const lines = items.map(
    (i) => `• ${localTime(i.createdAt)}  ${(i.subject ?? '').replace(/^【前哨】|^\[Outpost\] /, '')}`,
  );
  return en(locale)
    ? {
        subject: `[Outpost] Daily digest ${date}: ${items.length} update(s)`,
        body: `${lines.join('\n')}\n\nPlease sign in to Outpost for details.`,
      }
    : {
        subject: `【前哨】${date} 每日汇总：${items.length} 条动态`,
        body: `${lines.join('\n')}\n\n详情请登录前哨平台查看。本邮件由系统自动发送，请勿回复。`,
      };
}
