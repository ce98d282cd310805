/** One line of a CRI (containerd/CRI-O) log file: `<RFC3339Nano> <stream> F <text>\n`. */
export function criLogLine(
  text: string,
  stream: 'stdout' | 'stderr' = 'stdout',
  at: Date = new Date(),
): string {
  if (/[\r\n]/.test(text)) throw new Error('criLogLine: one line at a time (text contains a newline)');
  const timestamp = at.toISOString().replace(/\.(\d{3})Z$/, (_, ms: string) => `.${ms}000000Z`);
  return `${timestamp} ${stream} F ${text}\n`;
}
