/** The 12-month report grid of a case: what each month's 月度报告 is, from its obligations and submissions. */
export type ReportCell =
  | { period: string; status: 'on_time' | 'late'; submittedAt: string }
  | { period: string; status: 'overdue' | 'due'; dueAt: string }
  | { period: string; status: 'waived' | 'future' };

interface ReportObligation {
  kind: string;
  key: string;
  status: string;
  dueAt: string;
  exemptedAt?: string | null;
}
interface ReportSubmission {
  kind: string;
  key: string;
  late: boolean;
  submittedAt: string;
}

const PERIOD = /^(\d{4})-(\d{2})$/;

/** The period `n` months after `period` (YYYY-MM). */
export function addMonths(period: string, n: number): string {
  const m = PERIOD.exec(period);
  if (!m) return period;
  const index = Number(m[1]) * 12 + (Number(m[2]) - 1) + n;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/**
 * One cell per month from the first report period, `months` of them (more if the case reported
 * longer): filed on time or late; owed and overdue (by `now`), or owed and not yet due; excused
 * (容错, or dropped when the case moved on); or not opened yet.
 */
export function reportGrid(obligations: ReportObligation[], submissions: ReportSubmission[], now: Date, months = 12): ReportCell[] {
  const reports = obligations.filter((o) => o.kind === 'monthly_report' && PERIOD.test(o.key));
  const filed = submissions.filter((s) => s.kind === 'report' && PERIOD.test(s.key));
  const periods = [...reports.map((o) => o.key), ...filed.map((s) => s.key)].sort();
  if (periods.length === 0) return [];
  const first = periods[0]!;
  const last = periods[periods.length - 1]!;
  const cells: ReportCell[] = [];
  for (let i = 0; ; i++) {
    const period = addMonths(first, i);
    if (i >= months && period > last) break;
    const submission = filed.find((s) => s.key === period);
    const obligation = reports.find((o) => o.key === period);
    if (submission) cells.push({ period, status: submission.late ? 'late' : 'on_time', submittedAt: submission.submittedAt });
    else if (!obligation) cells.push({ period, status: 'future' });
    else if (obligation.status === 'open' && !obligation.exemptedAt) {
      cells.push({ period, status: Date.parse(obligation.dueAt) < now.getTime() ? 'overdue' : 'due', dueAt: obligation.dueAt });
    } else cells.push({ period, status: 'waived' });
  }
  return cells;
}
