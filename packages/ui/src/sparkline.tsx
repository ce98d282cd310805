/** A tiny line chart of recent values (e.g. active streams); the label carries the numbers for screen readers. */
export function Sparkline({
  values,
  label,
  width = 64,
  height = 16,
}: {
  values: number[];
  label: string;
  width?: number;
  height?: number;
}) {
  if (values.length < 2)
    return <span className="inline-block" style={{ width, height }} aria-hidden="true" />;
  const max = Math.max(1, ...values);
  const step = width / (values.length - 1);
  const points = values
    .map((v, i) => `${(i * step).toFixed(1)},${(height - 1 - (v / max) * (height - 2)).toFixed(1)}`)
    .join(' ');
  return (
    <svg
      width={width}
      height={height}
      role="img"
      aria-label={label}
      className="text-sky-600 dark:text-sky-400"
    >
      <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.25" />
    </svg>
  );
}
