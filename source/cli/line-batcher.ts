/**
 * Lines for one output stream, written together. Under load connection events come by the thousand a
 * second, and a write per line (a system call, and a wake-up of whatever reads the pipe) costs more than
 * forwarding the connection. Batchable lines wait at most `delayMs`; any other line writes everything
 * pending at once, in order, and so does exit.
 */
export class LineBatcher {
  private pending = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (text: string) => void,
    private readonly delayMs = 20,
  ) {}

  line(text: string, batchable: boolean): void {
    this.pending += `${text}\n`;
    if (!batchable || this.pending.length >= 64 * 1024) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.delayMs);
      // Waiting output never keeps the process alive: exit flushes it.
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.pending) return;
    const text = this.pending;
    this.pending = '';
    this.write(text);
  }
}
