// Charts with uPlot: a time chart whose x axis is Unix seconds, several series, and
// optional markers (vertical lines with a label: the findings) drawn over the plot.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import {currentLang, t} from './i18n.js';

function locale() {
  return currentLang() === 'ja' ? 'ja-JP' : 'en-GB';
}

/// Tick labels in 24-hour local time: "18:05", with seconds when the ticks are closer than a
/// minute, with the date when they are a day or more apart.
function timeTicks(u, splits, axisIdx, space, incr) {
  return splits.map((v) => {
    const d = new Date(v * 1000);
    if (incr >= 86400) return d.toLocaleDateString(locale(), {month: '2-digit', day: '2-digit'});
    const o = {hour: '2-digit', minute: '2-digit', hour12: false};
    if (incr < 60) o.second = '2-digit';
    return d.toLocaleTimeString(locale(), o);
  });
}

function timeValue(u, v) {
  if (v === null || v === undefined) return '--';
  return new Date(v * 1000).toLocaleString(locale(), {hour12: false});
}

function numValue(u, v) {
  if (v === null || v === undefined) return '--';
  return Number(v).toLocaleString(locale(), {maximumFractionDigits: 2});
}

export const kColors = ['#2563eb', '#db2777', '#059669', '#d97706', '#7c3aed', '#0891b2', '#dc2626', '#65a30d'];

function markerPlugin(getMarkers) {
  return {
    hooks: {
      draw: [
        (u) => {
          const markers = getMarkers();
          if (!markers.length) return;
          const {ctx} = u;
          const {top, height, left, width} = u.bbox;
          ctx.save();
          ctx.strokeStyle = 'rgba(220, 38, 38, 0.85)';
          ctx.fillStyle = 'rgba(220, 38, 38, 0.9)';
          ctx.lineWidth = Math.max(1, devicePixelRatio);
          ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
          for (const m of markers) {
            const x = Math.round(u.valToPos(m.t, 'x', true));
            if (x < left || x > left + width) continue;
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + height);
            ctx.stroke();
            ctx.beginPath();
            ctx.arc(x, top + 4 * devicePixelRatio, 3.5 * devicePixelRatio, 0, 2 * Math.PI);
            ctx.fill();
          }
          ctx.restore();
        },
      ],
    },
  };
}

/// A chart in `el`: series = [{label, color}], data = [xs, ys1, ys2, …]. Returns
/// {set(data, markers), destroy()}. The chart follows its container's width.
export function timeChart(el, {series, height = 180, yLabel = '', markers = []}) {
  let currentMarkers = markers;
  const padX = series.some((s) => s.bars);
  const opts = {
    width: Math.max(200, el.clientWidth || 600),
    height,
    legend: {show: series.length > 1},
    cursor: {drag: {x: false, y: false}},
    scales: {
      x: {
        time: true,
        // Bars need room at both ends; lines use the data's range.
        range: padX ? (u, min, max) => [min - Math.max(60, (max - min) * 0.05), max + Math.max(60, (max - min) * 0.05)] : undefined,
      },
      y: {range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1]},
    },
    axes: [
      {stroke: '#64748b', grid: {stroke: '#e2e8f0'}, values: timeTicks, space: 60},
      {stroke: '#64748b', grid: {stroke: '#e2e8f0'}, label: yLabel, size: 60},
    ],
    series: [
      {label: t('chart.time'), value: timeValue},
      ...series.map((s, i) => ({
        label: s.label,
        value: numValue,
        stroke: s.color || kColors[i % kColors.length],
        width: 1.5,
        fill: s.fill ?? (series.length === 1 ? 'rgba(37, 99, 235, 0.08)' : undefined),
        spanGaps: false,
        points: {show: false},
        paths: s.bars ? uPlot.paths.bars({size: [0.8, 12]}) : undefined,
      })),
    ],
    plugins: [markerPlugin(() => currentMarkers)],
  };
  const empty = [[], ...series.map(() => [])];
  const plot = new uPlot(opts, empty, el);
  const ro = new ResizeObserver(() => {
    const w = el.clientWidth;
    if (w > 0 && Math.abs(w - plot.width) > 2) plot.setSize({width: w, height});
  });
  ro.observe(el);
  return {
    set(data, newMarkers) {
      if (newMarkers) currentMarkers = newMarkers;
      plot.setData(data);
    },
    destroy() {
      ro.disconnect();
      plot.destroy();
    },
  };
}
