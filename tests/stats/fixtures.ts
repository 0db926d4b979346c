/**
 * Statistics fixtures: cases, obligations, submissions and escalations written straight into a
 * fresh database (the workflow is not involved: these tests check the counting, not the process).
 */
import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import { countyOf, townshipOf } from '../../domain/divisions.js';
import type { CaseState } from '../../domain/cases.js';
import type { EscalationRung, ObligationKind, Rag } from '../../domain/escalation.js';

/** A civil time in China (+08:00), e.g. cn('2025-03-01') or cn('2025-03-01 12:00'). */
export function cn(local: string): Date {
  const [date, time = '00:00'] = local.split(' ');
  return new Date(`${date}T${time.length === 5 ? `${time}:00` : time}+08:00`);
}

export interface CaseFixture {
  village: string;
  state: CaseState;
  designatedAt: Date;
  delistedAt?: Date;
  closedAt?: Date;
  cancelReason?: string;
  acceptanceAttempts?: number;
  parentCaseId?: string;
  sponsorUserId?: string | null;
  rag?: Rag;
}

export interface ObligationFixture {
  kind: ObligationKind;
  key: string;
  dueAt: Date;
  status: 'open' | 'satisfied' | 'cancelled';
  closedAt?: Date;
  exemptedAt?: Date;
}

export class Fixtures {
  constructor(
    readonly sql: postgres.Sql,
    readonly createdBy: string,
  ) {}

  async case(c: CaseFixture, obligations: ObligationFixture[] = []): Promise<string> {
    const id = randomUUID();
    await this.sql`
      insert into rectification_cases (id, village_code, township_code, county_code, sponsor_user_id, state, rag, reasons, policy,
        parent_case_id, designated_at, delisted_at, follow_up_ends_at, closed_at, cancel_reason, acceptance_attempts, created_by, designation_key)
      values (${id}, ${c.village}, ${townshipOf(c.village)}, ${countyOf(c.village)}, ${c.sponsorUserId ?? null}, ${c.state}, ${c.rag ?? 'green'},
        ${['poor_service']}::text[], ${JSON.stringify(DEFAULT_POLICY)}::jsonb, ${c.parentCaseId ?? null}, ${c.designatedAt.toISOString()},
        ${c.delistedAt?.toISOString() ?? null}, null, ${c.closedAt?.toISOString() ?? null}, ${c.cancelReason ?? null},
        ${c.acceptanceAttempts ?? 0}, ${this.createdBy}, ${id})`;
    for (const o of obligations) await this.obligation(id, o);
    return id;
  }

  async obligation(caseId: string, o: ObligationFixture): Promise<string> {
    const id = `${caseId}:${o.kind}:${o.key}`;
    await this.sql`
      insert into obligations (id, case_id, kind, key, responsible, due_at, status, closed_at, exempted_at, rungs)
      values (${id}, ${caseId}, ${o.kind}, ${o.key}, 'sponsor', ${o.dueAt.toISOString()}, ${o.status},
        ${o.closedAt?.toISOString() ?? null}, ${o.exemptedAt?.toISOString() ?? null}, '[]'::jsonb)`;
    return id;
  }

  async review(caseId: string, attempt: number, passed: boolean, at: Date): Promise<void> {
    await this.sql`
      insert into case_submissions (case_id, kind, key, content, late, submitted_at)
      values (${caseId}, 'acceptance_review', ${String(attempt)},
        ${JSON.stringify({ score: passed ? 85 : 60, representativesTotal: 20, representativesDissatisfied: 2, passed, reason: passed ? null : 'score_below_pass' })}::jsonb,
        false, ${at.toISOString()})`;
  }

  async escalation(caseId: string, obligationId: string, rung: EscalationRung, raisedAt: Date, resolvedAt?: Date): Promise<void> {
    await this.sql`
      insert into escalations (obligation_id, case_id, rung, target_role, target_division_code, scheduled_at, raised_at, resolved_at)
      values (${obligationId}, ${caseId}, ${rung}, 'org_dept', '522700000000', ${raisedAt.toISOString()}, ${raisedAt.toISOString()},
        ${resolvedAt?.toISOString() ?? null})`;
  }

  async person(p: { name: string; gender: 'male' | 'female'; birthDate: string; education: string; partyMember: boolean; village: string }): Promise<string> {
    const id = randomUUID();
    await this.sql`
      insert into people (id, name, gender, birth_date, ethnicity, education, party_member, division_code)
      values (${id}, ${p.name}, ${p.gender}, ${p.birthDate}, '汉族', ${p.education}, ${p.partyMember}, ${p.village})`;
    return id;
  }

  /** A row of the reserve process (Process C), in a given state. */
  async candidate(personId: string, village: string, source: string, state: string, nominationId: string | null = null): Promise<string> {
    const id = randomUUID();
    await this.sql`
      insert into reserve_candidates (id, person_id, village_code, township_code, county_code, source, nomination_id, state, policy,
        nominated_at, created_by, nomination_key)
      values (${id}, ${personId}, ${village}, ${townshipOf(village)}, ${countyOf(village)}, ${source}, ${nominationId}, ${state}, '{}'::jsonb,
        ${cn('2025-03-01').toISOString()}, ${this.createdBy}, ${id})`;
    return id;
  }

  /** An imported nomination (people-import). */
  async nomination(personId: string, village: string, source: string, status: 'nominated' | 'in_pool'): Promise<string> {
    const [row] = await this.sql<{ id: string }[]>`
      insert into reserve_nominations (person_id, village_code, source, status, nominated_on)
      values (${personId}, ${village}, ${source}, ${status}, '2025-03-01') returning id`;
    return row!.id;
  }

  /** A 1+1 mentorship (Process B), in a given state. */
  async mentorship(menteeId: string, mentorId: string | null, village: string, state: string, closedAt?: Date): Promise<void> {
    const id = randomUUID();
    await this.sql`
      insert into mentorships (id, mentee_person_id, mentor_person_id, village_code, township_code, county_code, state, policy,
        proposed_at, closed_at, created_by, proposal_key)
      values (${id}, ${menteeId}, ${mentorId}, ${village}, ${townshipOf(village)}, ${countyOf(village)}, ${state}, '{}'::jsonb,
        ${cn('2025-01-10').toISOString()}, ${closedAt?.toISOString() ?? null}, ${this.createdBy}, ${id})`;
  }

  /**
   * A case delisted through acceptance: the rectification obligations met by each request (the
   * last one passed), the failed reviews in between, and the original deadline.
   */
  async delisted(
    village: string,
    designatedAt: Date,
    originalDue: Date,
    requests: Array<{ at: Date; reviewedAt: Date }>,
    extra: Partial<CaseFixture> = {},
  ): Promise<string> {
    const last = requests[requests.length - 1]!;
    const id = await this.case({
      village,
      state: 'follow_up',
      designatedAt,
      delistedAt: last.reviewedAt,
      acceptanceAttempts: requests.length,
      ...extra,
    });
    await this.obligation(id, {
      kind: 'plan',
      key: '1',
      dueAt: new Date(designatedAt.getTime() + 20 * 86_400_000),
      status: 'satisfied',
      closedAt: designatedAt,
    });
    for (const [i, r] of requests.entries()) {
      const due = i === 0 ? originalDue : new Date(requests[i - 1]!.reviewedAt.getTime() + 90 * 86_400_000);
      await this.obligation(id, { kind: 'rectification', key: String(i + 1), dueAt: due, status: 'satisfied', closedAt: r.at });
      await this.review(id, i + 1, i === requests.length - 1, r.reviewedAt);
    }
    return id;
  }
}
