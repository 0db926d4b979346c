/** The pieces of an escalation ladder the track shows, computed apart from the markup (and tested so). */
export interface LadderRung {
  rung: string;
  at: string;
  firedAt?: string;
  provisional: boolean;
}
export interface LadderEscalation {
  id: string;
  rung: string;
  raisedAt: string;
}
export interface PreviousLadder {
  rungs: Array<{ rung: string; at: string }>;
}

export interface LadderStep {
  rung: string;
  /** When it is (or was) due now. */
  at: string;
  firedAt: string | null;
  provisional: boolean;
  /** Earlier scheduled times, replaced by 延期/暂停/重新计时: oldest first, none equal to `at`. */
  struck: string[];
  /** The raised escalation, for its printable 督办单. */
  escalationId: string | null;
}

/** Each rung with the times it was scheduled before and the escalation it raised. */
export function ladderSteps(rungs: LadderRung[], previous: PreviousLadder[] = [], escalations: LadderEscalation[] = []): LadderStep[] {
  return rungs.map((r) => {
    const struck: string[] = [];
    for (const p of previous) {
      const old = p.rungs.find((x) => x.rung === r.rung)?.at;
      if (old && Date.parse(old) !== Date.parse(r.at) && !struck.some((s) => Date.parse(s) === Date.parse(old))) struck.push(old);
    }
    return {
      rung: r.rung,
      at: r.at,
      firedAt: r.firedAt ?? null,
      provisional: r.provisional,
      // A fired rung's own time is history: what it was scheduled for before does not matter any more.
      struck: r.firedAt ? [] : struck,
      escalationId: escalations.find((e) => e.rung === r.rung)?.id ?? null,
    };
  });
}
