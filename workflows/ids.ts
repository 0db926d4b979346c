/** Workflow IDs from business keys (pure: used by workflows and by the client alike). */
export const rectificationWorkflowId = (caseId: string): string => `rectification-${caseId}`;
export const mentorshipWorkflowId = (mentorshipId: string): string => `mentorship-${mentorshipId}`;
export const reserveWorkflowId = (candidateId: string): string => `reserve-${candidateId}`;
export const calendarChangeWorkflowId = (key: string): string => `calendar-change-${key}`;
