import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditLog } from '@outpost/audit';
import type { Actor, EvidenceAddedV1 } from '@outpost/contracts';
import { correlated, Outbox, type CorrelationContext } from '@outpost/messaging';

export interface AddEvidenceCommand {
  leadId: string;
  /** The open lead a LINKED lead belongs to: its evidence grows too. */
  primaryLeadId: string | null;
  actor: Actor;
  /** The request's correlation context: the evidence-added event carries it. */
  correlation?: CorrelationContext;
  type: EvidenceAddedV1['type'];
  sha256: string;
  mediaType: string;
  sizeBytes: number;
  fileName: string | null;
  capturedAt: string | null;
}

export interface EvidenceView {
  id: string;
  leadId: string;
  type: string;
  sha256: string;
  mediaType: string;
  sizeBytes: number;
  capturedAt: string | null;
  receivedAt: string;
}

/** Records a stored file on a lead, with its audit entry and intake.evidence-added.v1, in one transaction. */
@Injectable()
export class AddEvidenceUseCase {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditLog,
    private readonly outbox: Outbox,
  ) {}

  async execute(cmd: AddEvidenceCommand): Promise<{ created: boolean; evidence: EvidenceView }> {
    return this.db.transaction(
      correlated(cmd.correlation, async (tx) => {
        const rows: Array<{ id: string; received_at: Date }> = await tx.query(
          `INSERT INTO evidence (id, lead_id, type, sha256, media_type, size_bytes, file_name, captured_at, captured_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (lead_id, sha256) DO NOTHING RETURNING id, received_at`,
          [
            uuidv7(),
            cmd.leadId,
            cmd.type,
            cmd.sha256,
            cmd.mediaType,
            cmd.sizeBytes,
            cmd.fileName,
            cmd.capturedAt,
            JSON.stringify(cmd.actor),
          ],
        );
        if (rows.length === 0) {
          // The same file on the same lead: one evidence item; answer with the original.
          const existing: Array<{
            id: string;
            type: string;
            media_type: string;
            size_bytes: string;
            captured_at: Date | null;
            received_at: Date;
          }> = await tx.query(
            `SELECT id, type, media_type, size_bytes, captured_at, received_at FROM evidence WHERE lead_id = $1 AND sha256 = $2`,
            [cmd.leadId, cmd.sha256],
          );
          const e = existing[0]!;
          return {
            created: false,
            evidence: {
              id: e.id,
              leadId: cmd.leadId,
              type: e.type,
              sha256: cmd.sha256,
              mediaType: e.media_type,
              sizeBytes: Number(e.size_bytes),
              capturedAt: e.captured_at?.toISOString() ?? null,
              receivedAt: e.received_at.toISOString(),
            },
          };
        }
        const { id, received_at } = rows[0]!;
        const payload: EvidenceAddedV1 = {
          leadId: cmd.primaryLeadId ?? cmd.leadId,
          evidenceId: id,
          type: cmd.type,
          sha256: cmd.sha256,
          mediaType: cmd.mediaType,
          sizeBytes: cmd.sizeBytes,
          capturedAt: cmd.capturedAt,
          ...(cmd.primaryLeadId ? { filedOnLeadId: cmd.leadId } : {}),
        };
        await this.audit.append(tx, {
          leadId: cmd.leadId,
          actor: cmd.actor,
          action: 'evidence.added',
          fromState: null,
          toState: null,
          reason: null,
          payload: { evidenceId: id, sha256: cmd.sha256, type: cmd.type, sizeBytes: cmd.sizeBytes },
        });
        await this.outbox.add(tx, {
          topic: 'intake.evidence-added.v1',
          payload,
          leadId: payload.leadId,
          actor: cmd.actor,
        });
        return {
          created: true,
          evidence: {
            id,
            leadId: cmd.leadId,
            type: cmd.type,
            sha256: cmd.sha256,
            mediaType: cmd.mediaType,
            sizeBytes: cmd.sizeBytes,
            capturedAt: cmd.capturedAt,
            receivedAt: received_at.toISOString(),
          },
        };
      }),
    );
  }
}
