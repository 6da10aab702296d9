/**
 * A bar chart (Chart.js, only its bar controller, bar elements, the two
 * scales, tooltip and legend registered, so the rest is tree-shaken away).
 * The canvas is an image named by `label`; the table beside it is its text.
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef } from 'react';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export interface Series {
  label: string;
  /** One value per label; null leaves the bar out. */
  data: (number | null)[];
}

const COLOURS = ['#0969da', '#bf8700', '#1a7f37', '#8250df'];

export function BarChart({ label, labels, series, format = String }: { label: string; labels: string[]; series: Series[]; format?: (n: number) => string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  // Redraw only when what is drawn changes, not on every render.
  const key = JSON.stringify([labels, series]);
  useEffect(() => {
    const chart = new Chart(ref.current!, {
      type: 'bar',
      data: { labels, datasets: series.map((s, i) => ({ label: s.label, data: s.data, backgroundColor: COLOURS[i % COLOURS.length] })) },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, ticks: { callback: (v) => format(Number(v)) } } },
        plugins: {
          legend: { display: series.length > 1 },
          tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${format(Number(c.raw))}` } },
        },
      },
    });
    return () => chart.destroy();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` stands for labels and series: the chart is redrawn only when the data it shows changes
  }, [key]);
  return (
    <div className="chart">
      <canvas ref={ref} role="img" aria-label={label} />
    </div>
  );
}
