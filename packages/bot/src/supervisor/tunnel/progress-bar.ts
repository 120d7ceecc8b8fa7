/** A one-line progress bar on a terminal (stderr); nothing at all when stderr is not one (a log file). */
export function createProgressBar(label: string, total: number | undefined, stream: NodeJS.WriteStream = process.stderr) {
  const tty = stream.isTTY === true;
  let done = 0;
  let lastDrawn = -1;
  const mb = (n: number) => (n / 1_048_576).toFixed(1);
  const draw = () => {
    if (!tty) return;
    const width = 30;
    const part = total ? Math.min(1, done / total) : 0;
    const percent = Math.floor(part * 100);
    if (percent === lastDrawn && total) return;
    lastDrawn = percent;
    const filled = Math.round(part * width);
    const bar = total ? `[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${String(percent).padStart(3)}% ` : '';
    stream.write(`\r  ${label} ${bar}${mb(done)}${total ? `/${mb(total)}` : ''} MB`);
  };
  return {
    advance(bytes: number) {
      done += bytes;
      draw();
    },
    done() {
      if (tty) stream.write('\n');
    },
  };
}
