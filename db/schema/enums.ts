import { pgEnum } from 'drizzle-orm/pg-core';
import { CONTACT_KINDS, DELIVERY_CHANNELS, DELIVERY_STATUSES, NOTIFICATION_CATEGORIES, OFFICE_CHANNEL_KINDS } from '../../domain/delivery.js';
import { ROLES } from '../../domain/roles.js';
import { LOGIN_OUTCOMES } from '../../domain/accounts.js';
import { CASE_STATES } from '../../domain/cases.js';
import { DIVISION_LEVELS } from '../../domain/divisions.js';
import { MENTORSHIP_STATES } from '../../domain/mentorships.js';
import { PLACEMENT_POSTS, RESERVE_STATES } from '../../domain/reserves.js';
import { ESCALATION_RUNGS, OBLIGATION_KINDS, OBLIGATION_STATUSES, RAG_COLOURS, RESPONSIBLE_PARTIES } from '../../domain/escalation.js';

// Enums derive from domain/ so that the database, the API and the workflows share one list.
export const roleEnum = pgEnum('role', ROLES);
export const caseStateEnum = pgEnum('case_state', CASE_STATES);
export const divisionLevelEnum = pgEnum('division_level', DIVISION_LEVELS);
export const rungEnum = pgEnum('escalation_rung', ESCALATION_RUNGS);
export const obligationKindEnum = pgEnum('obligation_kind', OBLIGATION_KINDS);
export const obligationStatusEnum = pgEnum('obligation_status', OBLIGATION_STATUSES);
export const ragEnum = pgEnum('rag', RAG_COLOURS);
export const responsiblePartyEnum = pgEnum('responsible_party', RESPONSIBLE_PARTIES);
export const mentorshipStateEnum = pgEnum('mentorship_state', MENTORSHIP_STATES);
export const reserveStateEnum = pgEnum('reserve_state', RESERVE_STATES);
export const placementPostEnum = pgEnum('placement_post', PLACEMENT_POSTS);
export const loginOutcomeEnum = pgEnum('login_outcome', LOGIN_OUTCOMES);
export const contactKindEnum = pgEnum('contact_kind', CONTACT_KINDS);
export const officeChannelKindEnum = pgEnum('office_channel_kind', OFFICE_CHANNEL_KINDS);
export const deliveryChannelEnum = pgEnum('delivery_channel', DELIVERY_CHANNELS);
export const deliveryStatusEnum = pgEnum('delivery_status', DELIVERY_STATUSES);
export const notificationCategoryEnum = pgEnum('notification_category', NOTIFICATION_CATEGORIES);
