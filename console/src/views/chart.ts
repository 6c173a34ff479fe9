/**
 * A usage chart: one bar per day (requests, with the refused part in another colour), drawn as
 * SVG with no library. The picture has a one-sentence text alternative, and the same numbers are
 * a real table behind "Show the numbers", for screen readers and keyboards.
 */
import type { UsageReport } from '../api';
import { count, dayLabel } from '../format/words';
import { h } from '../dom';

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag: string, attrs: Record<string, string | number>, ...children: Node[]): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  el.append(...children);
  return el;
}

export function usageSummary(report: Pick<UsageReport, 'totals' | 'days'>): string {
  const busiest = report.days.reduce((a, b) => (b.requests > a.requests ? b : a), report.days[0] ?? { day: '', requests: 0, failures: 0 });
  const days = report.days.length;
  if (report.totals.requests === 0) return `No requests in the last ${days} days.`;
  return `${count(report.totals.requests)} requests in the last ${days} days, ${count(report.totals.failures)} refused; busiest day ${dayLabel(busiest.day)} with ${count(busiest.requests)}.`;
}

export function usageChart(report: Pick<UsageReport, 'totals' | 'days'>, caption: string): HTMLElement {
  const width = 600;
  const height = 140;
  const max = Math.max(1, ...report.days.map((d) => d.requests));
  const slot = width / Math.max(1, report.days.length);
  const bars: Node[] = [];
  report.days.forEach((d, i) => {
    const total = (d.requests / max) * (height - 20);
    const failed = (d.failures / max) * (height - 20);
    const x = i * slot + 1;
    const w = Math.max(1, slot - 2);
    const title = svg('title', {});
    title.textContent = `${dayLabel(d.day)}: ${count(d.requests)} requests, ${count(d.failures)} refused`;
    bars.push(
      svg('g', { class: 'bar' }, title, svg('rect', { x, y: height - total, width: w, height: total, class: 'ok' }), svg('rect', { x, y: height - failed, width: w, height: failed, class: 'failed' })),
    );
  });
  const first = report.days[0]?.day;
  const last = report.days.at(-1)?.day;
  const picture = svg('svg', { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', class: 'chart', 'aria-hidden': 'true', focusable: 'false' }, svg('line', { x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5, class: 'axis' }), ...bars);
  const summary = usageSummary(report);
  const table = h(
    'table',
    { class: 'numbers' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Day'), h('th', { scope: 'col' }, 'Requests'), h('th', { scope: 'col' }, 'Refused'))),
    h('tbody', {}, ...report.days.filter((d) => d.requests > 0).map((d) => h('tr', {}, h('th', { scope: 'row' }, dayLabel(d.day)), h('td', {}, count(d.requests)), h('td', {}, count(d.failures))))),
  );
  return h(
    'figure',
    { class: 'usage-chart' },
    h('div', { role: 'img', 'aria-label': `${caption}: ${summary}` }, picture),
    h('div', { class: 'chart-axis', 'aria-hidden': 'true' }, h('span', {}, first ? dayLabel(first) : ''), h('span', {}, last ? dayLabel(last) : '')),
    h('figcaption', {}, summary, ' ', h('span', { class: 'legend' }, h('span', { class: 'swatch ok' }), 'served ', h('span', { class: 'swatch failed' }), 'refused')),
    h('details', {}, h('summary', {}, 'Show the numbers'), report.totals.requests ? table : h('p', {}, 'No requests.')),
  );
}

/** Totals as a definition list: requests, refused, share refused. */
export function usageTotals(report: Pick<UsageReport, 'totals'>): HTMLElement {
  const { requests, failures } = report.totals;
  const share = requests ? `${Math.round((failures / requests) * 1000) / 10} %` : '—';
  return h(
    'dl',
    { class: 'totals' },
    h('div', {}, h('dt', {}, 'Requests'), h('dd', { 'data-total': 'requests' }, count(requests))),
    h('div', {}, h('dt', {}, 'Refused'), h('dd', { 'data-total': 'failures' }, count(failures))),
    h('div', {}, h('dt', {}, 'Refused share'), h('dd', {}, share)),
  );
}
