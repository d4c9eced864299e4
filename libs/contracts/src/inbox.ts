/**
 * One item of a person's in-app inbox (站内信) as notification serves it over HTTP and the gateway passes it on
 * (GET /v1/inbox, POST /v1/inbox/{id}/read). Times are ISO-8601.
 */
export interface InboxItem {
  id: string;
  eventType: string;
  leadId: string | null;
  title: string;
  body: string;
  urgent: boolean;
  createdAt: string;
  readAt: string | null;
}
