/** Workflow IDs from business keys (pure: used by workflows and by the client alike). */
export const rectificationWorkflowId = (caseId: string): string => `rectification-${caseId}`;
export const mentorshipWorkflowId = (mentorshipId: string): string => `mentorship-${mentorshipId}`;
export const reserveWorkflowId = (candidateId: string): string => `reserve-${candidateId}`;
/** The screening campaign (排查研判) of a county and year, named by its campaign id. */
export const screeningWorkflowId = (campaignId: string): string => `screening-${campaignId}`;
export const calendarChangeWorkflowId = (key: string): string => `calendar-change-${key}`;
/** The one delivery dispatcher of a deployment (named by its task queue, so test backends sharing a server keep apart). */
export const deliveryDispatcherWorkflowId = (deliveryTaskQueue: string): string => `delivery-dispatcher-${deliveryTaskQueue}`;
/** The sender of one target (a contact point or an office channel). */
export const deliverySenderWorkflowId = (targetId: string): string => `delivery-sender-${targetId}`;
