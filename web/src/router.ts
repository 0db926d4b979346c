import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { handleUnauthorized } from './api/client';
import { useSession } from './stores/session';

declare module 'vue-router' {
  interface RouteMeta {
    /** Shown without signing in. */
    public?: boolean;
    /** The roles that see the page in the menu (the server enforces everything anyway). */
    roles?: Array<'sponsor' | 'township_office' | 'org_dept'>;
    title?: string;
  }
}

const routes: RouteRecordRaw[] = [
  { path: '/login', component: () => import('./pages/login/LoginPage.vue'), meta: { public: true } },
  {
    path: '/',
    component: () => import('./layouts/ConsoleLayout.vue'),
    children: [
      { path: '', name: 'workbench', component: () => import('./pages/workbench/WorkbenchPage.vue'), meta: { title: '工作台' } },
      { path: 'inbox', name: 'inbox', component: () => import('./pages/inbox/InboxPage.vue'), meta: { title: '督办收件箱' } },
      { path: 'cases', name: 'cases', component: () => import('./pages/cases/CasesPage.vue'), meta: { title: '整顿台账' } },
      { path: 'cases/:id', name: 'case', component: () => import('./pages/cases/CaseDetailPage.vue'), meta: { title: '案件详情' } },
      { path: 'mentorships', name: 'mentorships', component: () => import('./pages/mentorships/MentorshipsPage.vue'), meta: { title: '1+1 帮带' } },
      { path: 'mentorships/:id', name: 'mentorship', component: () => import('./pages/mentorships/MentorshipDetailPage.vue'), meta: { title: '帮带详情' } },
      { path: 'reserves', name: 'reserves', component: () => import('./pages/reserves/ReservesPage.vue'), meta: { title: '后备力量' } },
      { path: 'reserves/:id', name: 'reserve', component: () => import('./pages/reserves/ReserveDetailPage.vue'), meta: { title: '后备人选详情' } },
      {
        path: 'screening',
        name: 'screening',
        component: () => import('./pages/screening/ScreeningPage.vue'),
        meta: { title: '排查研判', roles: ['township_office', 'org_dept'] },
      },
      { path: 'stats', name: 'stats', component: () => import('./pages/stats/StatsPage.vue'), meta: { title: '统计分析' } },
      { path: 'imports', name: 'imports', component: () => import('./pages/imports/ImportsPage.vue'), meta: { title: '导入导出' } },
      {
        path: 'delivery/:tab?',
        name: 'delivery',
        component: () => import('./pages/delivery/DeliveryPage.vue'),
        meta: { title: '群机器人与发送记录', roles: ['township_office', 'org_dept'] },
      },
      { path: 'settings/:tab?', name: 'settings', component: () => import('./pages/settings/SettingsPage.vue'), meta: { title: '设置' } },
    ],
  },
  // Outside the console's layout: a sheet to print (signed in like every page).
  { path: '/print/escalations/:id', name: 'escalation-sheet', component: () => import('./pages/print/EscalationSheetPage.vue'), meta: { title: '督办单' } },
  { path: '/:rest(.*)*', component: () => import('./pages/not-found/NotFoundPage.vue'), meta: { public: true } },
];

export const router = createRouter({ history: createWebHistory(), routes });

router.beforeEach(async (to) => {
  const session = useSession();
  if (!session.loaded) await session.load();
  if (to.meta.public) return true;
  // Not signed in, or the password must change first: the login page (it returns here after).
  if (!session.current || session.current.passwordChange) return { path: '/login', query: { redirect: to.fullPath } };
  return true;
});

// A session that ended (idle, expired, revoked) sends the user to log in again, back here after.
handleUnauthorized(() => {
  const session = useSession();
  if (!session.current) return;
  session.set(null);
  const here = router.currentRoute.value;
  if (!here.meta.public) void router.push({ path: '/login', query: { redirect: here.fullPath, ended: '1' } });
});
