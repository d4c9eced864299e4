/** Signature the reporter recognises (短信签名), also the start of the e-mail subject. */
export const FEEDBACK_SIGNATURE = '【天河防非】';

export interface FeedbackMessage {
  /** E-mail subject (SMS has none). */
  subject: string;
  /** SMS text and e-mail body: the public reference and the closing officer's feedback only. */
  text: string;
}

export function feedbackSubject(reference: string): string {
  return `${FEEDBACK_SIGNATURE}您反映的线索（编号 ${reference}）已办结`;
}

/**
 * What the reporter reads: the lead's public reference and the text the closing officer wrote for them. Nothing
 * internal (outcome codes, case notes, subjects, officers' names) goes in.
 */
export function feedbackMessage(reference: string, feedback: string): FeedbackMessage {
  const said = feedback.trim().replace(/\s+/g, ' ');
  return { subject: feedbackSubject(reference), text: `${feedbackSubject(reference)}：${said}` };
}

/** The e-mail body: the same text, plus the usual note that the mailbox is not read. */
export function feedbackEmailBody(text: string): string {
  return `${text}\n\n本邮件由系统自动发送，请勿直接回复。`;
}
