/** A one-line progress bar, only when writing to a terminal. */
export class ProgressBar {
  private last = -1;

  constructor(
    private readonly total: number,
    private readonly out: NodeJS.WriteStream,
  ) {}

  update(done: number): void {
    if (!this.out.isTTY) return;
    const pct = Math.floor((100 * done) / Math.max(1, this.total));
    if (pct === this.last) return;
    this.last = pct;
    const width = 30;
    const filled = Math.round((width * pct) / 100);
    this.out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}%`);
  }

  done(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}
