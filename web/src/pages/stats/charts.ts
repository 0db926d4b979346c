/**
 * The options of 统计分析's charts, built from the API's answers as they come (no figure is
 * recomputed here: rates, survival and counts are the server's).
 */
import type { EChartsOption } from 'echarts';
import { t } from '../../locale/zh-CN';
import type { Conversion, Escalations, Overdue, TimeToDelisting, Timeliness } from './use-stats';

const RED = '#c62828';
const YELLOW = '#f9a825';
const GREEN = '#2e7d32';
const BLUE = '#1565c0';
const GREY = '#90a4ae';

const pct = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 10);
const percentAxis = { type: 'value' as const, min: 0, max: 100, axisLabel: { formatter: '{value}%' } };

export function conversionOption(c: Conversion): EChartsOption {
  const years = c.totals.map((r) => String(r.cohort));
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 40, right: 48, top: 36, bottom: 28 },
    xAxis: { type: 'category', data: years },
    yAxis: [
      { type: 'value', minInterval: 1, name: t.stats.count },
      { ...percentAxis, name: t.stats.figures.conversion },
    ],
    series: [
      { name: t.stats.designated, type: 'bar', data: c.totals.map((r) => r.designated - r.cancelled), itemStyle: { color: GREY } },
      { name: t.stats.delisted, type: 'bar', data: c.totals.map((r) => r.delisted), itemStyle: { color: GREEN } },
      { name: t.stats.onTimeDelisted, type: 'bar', data: c.totals.map((r) => r.onTimeDelisted), itemStyle: { color: BLUE } },
      { name: t.stats.figures.conversion, type: 'line', yAxisIndex: 1, data: c.totals.map((r) => pct(r.conversionRate)), itemStyle: { color: RED } },
    ],
  };
}

/**
 * Kaplan–Meier as a step line (the share not yet delisted holds until the next delisting), with a
 * tick at each time a case was censored (still open at the statistics instant, or cancelled).
 */
export function survivalOption(s: TimeToDelisting): EChartsOption {
  const points = s.overall.points;
  const line: Array<[number, number]> = [[0, 100]];
  const censored: Array<[number, number]> = [];
  for (const p of points) {
    const survival = Math.round(p.survival * 1000) / 10;
    line.push([p.days, survival]);
    if (p.censored > 0) censored.push([p.days, survival]);
  }
  return {
    tooltip: {
      trigger: 'item',
      formatter: (p: unknown) => {
        const { seriesName, value } = p as { seriesName: string; value: [number, number] };
        return `${seriesName}<br/>${t.stats.days(value[0])}：${value[1]}%`;
      },
    },
    legend: { top: 0 },
    grid: { left: 48, right: 24, top: 36, bottom: 40 },
    // At least a month across, so a curve whose cases are all young still reads as a curve.
    xAxis: {
      type: 'value',
      name: t.stats.kmDays,
      nameLocation: 'middle',
      nameGap: 26,
      min: 0,
      max: (v: { max: number }) => Math.max(v.max, 30),
      minInterval: 1,
    },
    yAxis: { ...percentAxis, name: t.stats.kmSurvival },
    series: [
      { name: t.stats.kmSurvival, type: 'line', step: 'end', data: line, showSymbol: false, lineStyle: { color: RED, width: 2 }, itemStyle: { color: RED } },
      { name: t.stats.kmCensored, type: 'scatter', data: censored, symbol: 'rect', symbolSize: [2, 12], itemStyle: { color: '#37474f' } },
    ],
  };
}

export function overdueOption(o: Overdue): EChartsOption {
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 40, right: 48, top: 36, bottom: 28 },
    xAxis: { type: 'category', data: o.totals.map((r) => r.period) },
    yAxis: [
      { type: 'value', minInterval: 1, name: t.stats.count },
      { ...percentAxis, name: t.stats.figures.overdue },
    ],
    series: [
      { name: t.stats.overdueCount, type: 'bar', stack: 'n', data: o.totals.map((r) => r.overdue), itemStyle: { color: RED } },
      { name: t.stats.figures.exempted, type: 'bar', stack: 'n', data: o.totals.map((r) => r.exempted), itemStyle: { color: YELLOW } },
      { name: t.stats.figures.overdue, type: 'line', yAxisIndex: 1, data: o.totals.map((r) => pct(r.overdueRate)), itemStyle: { color: BLUE } },
    ],
  };
}

export function timelinessOption(r: Timeliness): EChartsOption {
  return {
    tooltip: { trigger: 'axis' },
    grid: { left: 48, right: 24, top: 24, bottom: 28 },
    xAxis: { type: 'category', data: r.totals.map((x) => x.period) },
    yAxis: percentAxis,
    series: [
      { name: t.stats.figures.timeliness, type: 'line', data: r.totals.map((x) => pct(x.timeliness)), connectNulls: false, itemStyle: { color: GREEN } },
    ],
  };
}

export function escalationOption(e: Escalations): EChartsOption {
  const rungs = ['reminder', 'township_office', 'org_dept', 'standing_committee'] as const;
  const colours = [GREY, YELLOW, RED, '#6a1b9a'];
  return {
    tooltip: { trigger: 'axis' },
    grid: { left: 40, right: 16, top: 24, bottom: 28 },
    xAxis: { type: 'category', data: rungs.map((r) => t.rungs[r]!) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ name: t.stats.count, type: 'bar', data: rungs.map((r, i) => ({ value: e.totals[r], itemStyle: { color: colours[i] } })) }],
  };
}
