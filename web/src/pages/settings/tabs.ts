import type { Schemas } from '../../api/client';

export const SETTINGS_TABS = ['policies', 'calendar', 'accounts', 'sessions', 'me', 'notify'] as const;
export type SettingsTab = (typeof SETTINGS_TABS)[number];
type Role = Schemas['SignedIn']['user']['role'];

/**
 * Who sees which tab: the org dept manages policies and accounts and sees who is online (the server
 * refuses the others: 403); everyone reads the working calendar their deadlines are counted on (only
 * the org dept changes it) and has their own account and where its reminders go (通知方式).
 */
const ROLES: Record<SettingsTab, readonly Role[]> = {
  policies: ['org_dept'],
  calendar: ['sponsor', 'township_office', 'org_dept'],
  accounts: ['org_dept'],
  sessions: ['org_dept'],
  me: ['sponsor', 'township_office', 'org_dept'],
  notify: ['sponsor', 'township_office', 'org_dept'],
};

export function settingsTabsFor(role: Role | undefined): SettingsTab[] {
  return SETTINGS_TABS.filter((tab) => role !== undefined && ROLES[tab].includes(role));
}
