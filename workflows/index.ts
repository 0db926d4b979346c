// Every workflow the worker runs; the bundler starts here.
export { rectificationWorkflow } from './rectification.js';
export { mentorshipWorkflow } from './mentorship.js';
export { reserveWorkflow } from './reserve.js';
export { screeningWorkflow } from './screening.js';
export { calendarChangeWorkflow } from './calendar-change.js';
export { deliveryDispatcherWorkflow, deliverySenderWorkflow } from './delivery.js';
