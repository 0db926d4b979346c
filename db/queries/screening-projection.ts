import { and, eq, lt } from 'drizzle-orm';
import type { Db } from '../client.js';
import { screeningCampaigns, screeningSheets } from '../schema/index.js';
import type { ScreeningChange } from '../../domain/contracts/screening.js';
import { recordProcessChange } from './deadline-projection.js';
import type { ProjectionCommit } from '../../lib/metrics.js';

const date = (iso: string | null): Date | null => (iso ? new Date(iso) : null);

/**
 * Writes one change of a screening campaign (`recordProcessChange`): the campaign row, and each
 * township sheet the workflow holds as submitted (once: a submitted sheet never changes again).
 */
export async function recordScreeningChange(db: Db, change: ScreeningChange): Promise<{ applied: boolean; commit?: ProjectionCommit }> {
  const { snapshot: s, event } = change;
  return recordProcessChange(
    db,
    {
      owner: { screeningCampaignId: s.campaignId },
      auditEntity: { type: 'screening_campaign', id: s.campaignId, keyPrefix: 'screening' },
      advance: (tx) =>
        tx
          .update(screeningCampaigns)
          .set({
            state: s.state,
            rag: s.rag,
            screeningClosedAt: date(s.screeningClosedAt),
            judgedAt: date(s.judgedAt),
            decisions: s.decisions,
            list: s.list,
            approvalDate: s.approval?.date ?? null,
            approvalMeeting: s.approval?.meeting ?? null,
            approvalDocumentNumber: s.approval?.documentNumber ?? null,
            approvedAt: date(s.approval?.recordedAt ?? null),
            amendments: s.amendments,
            designations: s.designations,
            designatedAt: date(s.designatedAt),
            projectionSeq: s.seq,
            updatedAt: new Date(event.at),
          })
          .where(and(eq(screeningCampaigns.id, s.campaignId), lt(screeningCampaigns.projectionSeq, s.seq)))
          .returning({ id: screeningCampaigns.id }),
      extra: async (tx) => {
        for (const sheet of s.sheets) {
          if (!sheet.submittedAt) continue;
          const submittedBy = event.action === 'sheet_submitted' && event.details?.townshipCode === sheet.townshipCode ? event.actor.userId : undefined;
          await tx
            .update(screeningSheets)
            .set({ submittedAt: new Date(sheet.submittedAt), late: sheet.late ? 'late' : 'on_time', ...(submittedBy !== undefined && { submittedBy }) })
            .where(and(eq(screeningSheets.campaignId, s.campaignId), eq(screeningSheets.townshipCode, sheet.townshipCode)));
        }
      },
    },
    change,
  );
}
