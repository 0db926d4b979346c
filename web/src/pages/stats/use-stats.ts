import { reactive, ref, watch } from 'vue';
import { api, type Schemas } from '../../api/client';
import { fileNameOf, saveBlob } from '../../api/download';

export type DivisionLights = Schemas['DivisionLights'];
export type Conversion = Schemas['ConversionStats'];
export type TimeToDelisting = Schemas['TimeToDelistingStats'];
export type Overdue = Schemas['OverdueStats'];
export type Timeliness = Schemas['ReportTimelinessStats'];
export type Escalations = Schemas['OpenEscalationStats'];
export type MostOverdue = Schemas['MostOverdueStats'];
export type Reserves = Schemas['ReserveStats'];
export type Mentoring = Schemas['MentoringStats'];
export type Structure = Schemas['StructureStats'];
export type CaseSummary = Schemas['CaseSummary'];

interface Data {
  lights: DivisionLights | null;
  conversion: Conversion | null;
  survival: TimeToDelisting | null;
  overdue: Overdue | null;
  timeliness: Timeliness | null;
  escalations: Escalations | null;
  mostOverdue: MostOverdue | null;
  reserves: Reserves | null;
  mentoring: Mentoring | null;
  structure: Structure | null;
  /** At village level: the village's cases, to open one. */
  villageCases: CaseSummary[];
}

/**
 * Everything 统计分析 shows for one division (the drill-down's current level) and one set of
 * filters: each figure from its own /stats route, the lights per child from /divisions/:code/lights.
 * The server counts; the page only draws.
 */
export function useStats() {
  const filters = reactive({
    division: '' as string,
    fromYear: undefined as number | undefined,
    toYear: undefined as number | undefined,
    period: 'month' as 'month' | 'quarter' | 'year',
    team: 'township_leadership' as 'township_leadership' | 'village_committee',
  });
  const data = reactive<Data>({
    lights: null,
    conversion: null,
    survival: null,
    overdue: null,
    timeliness: null,
    escalations: null,
    mostOverdue: null,
    reserves: null,
    mentoring: null,
    structure: null,
    villageCases: [],
  });
  const loading = ref(false);
  const failed = ref<string | null>(null);
  const exporting = ref(false);

  /** The query as last loaded: filling in the server's default years does not load again. */
  let loadedKey = '';
  const keyOf = () => JSON.stringify([filters.division, filters.fromYear, filters.toYear, filters.period, filters.team]);

  async function load() {
    if (!filters.division) return;
    loadedKey = keyOf();
    loading.value = true;
    failed.value = null;
    const division = filters.division;
    const base = { division };
    const cohort = { ...base, ...(filters.fromYear ? { fromYear: filters.fromYear } : {}), ...(filters.toYear ? { toYear: filters.toYear } : {}) };
    const period = { ...base, period: filters.period };
    try {
      const [lights, conversion, survival, overdue, timeliness, escalations, mostOverdue, reserves, mentoring, structure] = await Promise.all([
        api.GET('/api/v1/divisions/{code}/lights', { params: { path: { code: division } } }),
        api.GET('/api/v1/stats/conversion', { params: { query: cohort } }),
        api.GET('/api/v1/stats/time-to-delisting', { params: { query: cohort } }),
        api.GET('/api/v1/stats/overdue', { params: { query: period } }),
        api.GET('/api/v1/stats/report-timeliness', { params: { query: period } }),
        api.GET('/api/v1/stats/escalations', { params: { query: base } }),
        api.GET('/api/v1/stats/most-overdue', { params: { query: base } }),
        api.GET('/api/v1/stats/reserves', { params: { query: base } }),
        api.GET('/api/v1/stats/mentoring', { params: { query: base } }),
        api.GET('/api/v1/stats/structure', { params: { query: { ...base, team: filters.team } } }),
      ]);
      if (division !== filters.division) return; // a newer level was chosen meanwhile
      const firstError = [lights, conversion, survival, overdue, timeliness, escalations, mostOverdue, reserves, mentoring, structure].find((r) => r.error)
        ?.error as { message?: string } | undefined;
      if (firstError) failed.value = firstError.message ?? null;
      Object.assign(data, {
        lights: lights.data ?? null,
        conversion: conversion.data ?? null,
        survival: survival.data ?? null,
        overdue: overdue.data ?? null,
        timeliness: timeliness.data ?? null,
        escalations: escalations.data ?? null,
        mostOverdue: mostOverdue.data ?? null,
        reserves: reserves.data ?? null,
        mentoring: mentoring.data ?? null,
        structure: structure.data ?? null,
        villageCases: [],
      });
      if (conversion.data) {
        filters.fromYear ??= conversion.data.fromYear;
        filters.toYear ??= conversion.data.toYear;
        loadedKey = keyOf();
      }
      if (lights.data?.level === 'village') {
        const { data: list } = await api.GET('/api/v1/cases', { params: { query: { division, sort: 'designated', limit: 50 } } });
        data.villageCases = list?.items ?? [];
      }
    } finally {
      loading.value = false;
    }
  }

  /** The whole workbook (every table the caller may see) for this division and these filters. */
  async function exportWorkbook(): Promise<boolean> {
    exporting.value = true;
    try {
      const query = {
        division: filters.division,
        ...(filters.fromYear ? { fromYear: filters.fromYear } : {}),
        ...(filters.toYear ? { toYear: filters.toYear } : {}),
        period: filters.period,
        team: filters.team,
        format: 'xlsx' as const,
      };
      const { data: blob, response } = await api.GET('/api/v1/exports/stats', { params: { query }, parseAs: 'blob' });
      if (!blob || !response.ok) return false;
      saveBlob(blob as Blob, fileNameOf(response, '统计表.xlsx'));
      return true;
    } finally {
      exporting.value = false;
    }
  }

  watch(keyOf, (key) => {
    if (key !== loadedKey) void load();
  });
  return { filters, data, loading, failed, exporting, load, exportWorkbook };
}

/** A rate as people read it: 0.8462 → 84.6%; no denominator → —. */
export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)}%`;
}
